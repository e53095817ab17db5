"""The virtual patient: a real face photo animated through the exercises, with surface EMG.

The same muscle activations drive the rendered face and the generated EMG, so a recording
made from it carries its own ground truth (see ``docs/sections/virtual-patient.md``).
No Qt in here.
"""
