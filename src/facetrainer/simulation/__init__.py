"""The virtual patient: a real face photo animated through the exercises, with surface EMG.

The same muscle activations drive the rendered face and the generated EMG, so a recording
made from it carries its own ground truth (see the README, "The virtual patient").
No Qt in here.
"""
