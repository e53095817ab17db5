"""File → Open program: a program file from the therapist, shown before it is taken in.

The patient sees what the file contains and confirms that it is theirs; a file from a newer
FaceTrainer or prescribed to another patient code is refused with a message that says why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QVBoxLayout,
    QWidget,
)

from facetrainer.gui.patient_style import SMALL_PT, TEXT_PT, TITLE_PT, big_label
from facetrainer.home_practice import describe_program, program_for_patient
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.programs import ProgramSpec, save_program


class ProgramConfirmDialog(QDialog):
    """Shows a program's contents and asks "Is this program for <code>?" (Enter: yes)."""

    def __init__(self, spec: ProgramSpec, patient_code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Open program")
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        lay.addWidget(big_label(f"{spec.name} (version {spec.revision})", TITLE_PT, bold=True))
        if spec.notes:
            lay.addWidget(big_label(spec.notes, SMALL_PT))
        self.contents = big_label("\n".join(describe_program(spec)), TEXT_PT)
        lay.addWidget(self.contents)
        lay.addWidget(big_label(f"Is this program for you ({patient_code})?", TEXT_PT, bold=True))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Yes | QDialogButtonBox.StandardButton.No
        )
        buttons.button(QDialogButtonBox.StandardButton.Yes).setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


def ask_with_dialog(parent: QWidget | None, patient_code: str) -> Callable[[ProgramSpec], bool]:
    """The default confirmation: :class:`ProgramConfirmDialog`, modal."""

    def ask(spec: ProgramSpec) -> bool:
        dialog = ProgramConfirmDialog(spec, patient_code, parent)
        return dialog.exec() == QDialog.DialogCode.Accepted

    return ask


def import_program_interactively(
    parent: QWidget,
    db: Database,
    patient_code: str,
    path: str | Path | None = None,
    confirm: Callable[[ProgramSpec], bool] | None = None,
) -> tuple[int | None, str]:
    """Ask for a file (unless ``path``), show it, store it for the patient.

    Returns (program id or None, a message for the patient: why it was refused, or what
    was taken in).
    """
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(
            parent, "Open the program from your therapist", "", "Programs (*.json *.toml)"
        )
        if not chosen:
            return None, ""
        path = chosen
    try:
        spec = program_for_patient(path, patient_code)
    except StorageError as exc:
        return None, f"Program not opened: {exc}"
    ask = confirm or ask_with_dialog(parent, patient_code)
    if not ask(spec):
        return None, "Program not opened: you said it is not yours."
    try:
        program_id = save_program(db, spec, patient_code)
    except StorageError as exc:
        return None, f"Program not saved: {exc}"
    return program_id, f"Your program is now {spec.name!r} (version {spec.revision})."
