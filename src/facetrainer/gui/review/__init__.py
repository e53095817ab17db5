"""The clinician's view: patients, their sessions, and one session reviewed in full."""
