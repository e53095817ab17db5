"""Program editor: a patient's home program built from the exercise library, row by row.

Exercises come from the library (built-in and the therapist's own files); each row holds
reps, hold, rest, the target band and the spillover ceiling (in % of the reference), and
the cue (the exercise's emotion cue to start with). *Save* stores the next revision
(:func:`facetrainer.storage.program_editing.save_new_revision`); *Export* writes the file
the patient imports. A bad row is refused with the field named; nothing is saved then.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from facetrainer.exercises.library import Library, builtin_dir, load_library
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.patients import list_patients
from facetrainer.storage.program_editing import (
    ItemDraft,
    build_program,
    next_revision,
    program_choices,
    save_new_revision,
)
from facetrainer.storage.programs import ProgramSpec, export_program, get_program

SHARED = "(shared: no patient)"
COLUMNS = ("Exercise", "Reps", "Hold s", "Rest s", "Band low %", "Band high %", "Ceiling %",
           "Cue")
NO_VALUE = -1.0  # a threshold spin box at its minimum means "the exercise's default"


def _spin(lo: float, hi: float, value: float, decimals: int = 1) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setValue(value)
    return box


def _threshold_spin(value: float | None) -> QDoubleSpinBox:
    # Range past 0-200 % on purpose: the core refuses out-of-range values by name.
    box = _spin(NO_VALUE, 1000.0, NO_VALUE if value is None else value)
    box.setSpecialValueText("default")
    return box


class ProgramEditor(QDialog):
    """Build, revise and export a patient's program."""

    saved = Signal(int, int)  # program id, revision

    def __init__(self, db: Database, library: Library | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Program editor")
        self.db = db
        self.library = library or load_library()
        builtin = {p.stem for p in builtin_dir().glob("*.toml")}
        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.patient = QComboBox()
        self.patient.addItems([SHARED] + [p.code for p in list_patients(db)])
        self.patient.currentIndexChanged.connect(lambda _i: self._reload_programs())
        self.program = QComboBox()
        self.program.activated.connect(lambda _i: self.open_selected())
        self.name = QLineEdit("Home program")
        self.name.textChanged.connect(lambda _t: self._update_revision())
        self.revision = QLabel()
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(60)
        top.addRow("Patient", self.patient)
        top.addRow("Start from", self.program)
        top.addRow("Name", self.name)
        top.addRow("", self.revision)
        top.addRow("Notes", self.notes)
        layout.addLayout(top)
        middle = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Exercise library"))
        self.exercises = QListWidget()
        for ex in sorted(self.library.exercises.values(), key=lambda e: e.name.lower()):
            mine = "" if ex.id in builtin else "  (yours)"
            item = QListWidgetItem(f"{ex.name} — {ex.id}{mine}")
            item.setData(Qt.ItemDataRole.UserRole, ex.id)
            self.exercises.addItem(item)
        self.exercises.itemDoubleClicked.connect(lambda item: self.add_exercise(
            item.data(Qt.ItemDataRole.UserRole)))
        left.addWidget(self.exercises, 1)
        add = QPushButton("Add →")
        add.clicked.connect(self._add_selected)
        left.addWidget(add)
        middle.addLayout(left, 1)
        right = QVBoxLayout()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        right.addWidget(self.table, 1)
        row = QHBoxLayout()
        for text, slot in (("Up", lambda: self.move(-1)), ("Down", lambda: self.move(1)),
                           ("Remove", self.remove_selected)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        right.addLayout(row)
        middle.addLayout(right, 3)
        layout.addLayout(middle, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton("Save as new revision")
        self.save_button.clicked.connect(self.save)
        self.export_button = QPushButton("Export for the patient…")
        self.export_button.clicked.connect(self._choose_export)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)
        self._reload_programs()
        self.resize(1100, 620)

    # -- rows ------------------------------------------------------------------------------
    def add_exercise(self, exercise_id: str) -> None:
        """Append a row with the library's values for this exercise."""
        ex = self.library[exercise_id]
        th = ex.thresholds
        scored = ex.kind == "scored"
        self.add_row(ItemDraft(
            exercise_id, reps=max(1, ex.reps), hold_s=ex.hold_s, rest_s=ex.rest_s,
            band_low_pct=th.target_band_pct[0] if scored else None,
            band_high_pct=th.target_band_pct[1] if scored else None,
            ceiling_pct=th.spillover_ceiling_pct if scored else None,
            cue=ex.emotion_cue or ex.instructions,
        ))

    def add_row(self, item: ItemDraft, at: int | None = None) -> None:
        r = self.table.rowCount() if at is None else at
        self.table.insertRow(r)
        name = QTableWidgetItem(item.exercise)
        name.setData(Qt.ItemDataRole.UserRole, item.sets)
        name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(r, 0, name)
        reps = QSpinBox()
        reps.setRange(0, 500)  # 0 is refused by name on save, not silently clamped
        reps.setValue(item.reps)
        self.table.setCellWidget(r, 1, reps)
        self.table.setCellWidget(r, 2, _spin(0.0, 600.0, item.hold_s))
        self.table.setCellWidget(r, 3, _spin(0.0, 600.0, item.rest_s))
        self.table.setCellWidget(r, 4, _threshold_spin(item.band_low_pct))
        self.table.setCellWidget(r, 5, _threshold_spin(item.band_high_pct))
        self.table.setCellWidget(r, 6, _threshold_spin(item.ceiling_pct))
        self.table.setItem(r, 7, QTableWidgetItem(item.cue))

    def row(self, r: int) -> ItemDraft:
        def value(c: int) -> float:
            w = self.table.cellWidget(r, c)
            assert isinstance(w, QSpinBox | QDoubleSpinBox)
            return float(w.value())

        def pct(c: int) -> float | None:
            v = value(c)
            return None if v == NO_VALUE else v

        cue = self.table.item(r, 7)
        name = self.table.item(r, 0)
        return ItemDraft(
            name.text(), int(value(1)), value(2), value(3),
            pct(4), pct(5), pct(6), cue.text() if cue else "",
            int(name.data(Qt.ItemDataRole.UserRole) or 1),  # sets, kept as loaded
        )

    def rows(self) -> list[ItemDraft]:
        return [self.row(r) for r in range(self.table.rowCount())]

    def set_rows(self, items: list[ItemDraft]) -> None:
        self.table.setRowCount(0)
        for item in items:
            self.add_row(item)

    def move(self, step: int) -> None:
        r = self.table.currentRow()
        to = r + step
        if r < 0 or not 0 <= to < self.table.rowCount():
            return
        items = self.rows()
        items.insert(to, items.pop(r))
        self.set_rows(items)
        self.table.selectRow(to)

    def remove_selected(self) -> None:
        r = self.table.currentRow()
        if r >= 0:
            self.table.removeRow(r)

    def _add_selected(self) -> None:
        item = self.exercises.currentItem()
        if item is not None:
            self.add_exercise(item.data(Qt.ItemDataRole.UserRole))

    # -- programs ------------------------------------------------------------------------
    def patient_code(self) -> str | None:
        text = self.patient.currentText()
        return None if text == SHARED else text

    def _reload_programs(self) -> None:
        self.program.clear()
        self.program.addItem("(new program)", None)
        for pid, name, rev in program_choices(self.db, self.patient_code()):
            self.program.addItem(f"{name} (rev. {rev})", pid)
        self._update_revision()

    def open_selected(self) -> None:
        pid = self.program.currentData()
        if pid is None:
            return
        self.load_spec(get_program(self.db, int(pid)))

    def load_spec(self, spec: ProgramSpec) -> None:
        self.name.setText(spec.name)
        self.notes.setPlainText(spec.notes)
        self.set_rows([ItemDraft.from_item(i) for i in spec.items])
        self._update_revision()

    def _update_revision(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.revision.setText("")
            return
        rev = next_revision(self.db, name, self.patient_code())
        self.revision.setText(f"will be saved as revision {rev}")

    def spec(self) -> ProgramSpec:
        """The program as edited; :class:`ProgramFileError` names a bad field."""
        return build_program(self.name.text(), self.rows(), self.notes.toPlainText(),
                             patient=self.patient_code() or "")

    def save(self) -> int | None:
        """Store the next revision; the outcome (or the bad field) is shown."""
        try:
            pid, rev = save_new_revision(self.db, self.spec(), self.patient_code())
        except (StorageError, ValueError) as exc:
            self.message.setText(f"Not saved: {exc}")
            return None
        whose = self.patient_code() or "shared"
        self.message.setText(f"Saved {self.name.text().strip()!r} revision {rev} ({whose}).")
        self._reload_programs()
        self.program.setCurrentIndex(self.program.findData(pid))
        self.saved.emit(pid, rev)
        return pid

    def export_to(self, path: Path | str, overwrite: bool = False) -> bool:
        """Write the program file the patient imports (the revision last saved or loaded)."""
        pid = self.program.currentData()
        try:
            if pid is None:
                raise StorageError("save the program first: the patient's file is a stored "
                                   "revision")
            spec = get_program(self.db, int(pid))
            edited = self.spec()
            if (spec.name, spec.items, spec.notes) != (edited.name, edited.items, edited.notes):
                raise StorageError("the program has unsaved changes: save it as a new "
                                   "revision first, so the patient's file matches a revision")
            written = export_program(spec, path, overwrite=overwrite)
        except (StorageError, ValueError) as exc:
            self.message.setText(f"Not exported: {exc}")
            return False
        self.message.setText(f"Exported revision {spec.revision} to {written}")
        return True

    def _choose_export(self) -> None:
        suggested = f"{self.name.text().strip() or 'program'}.json"
        path, _ = QFileDialog.getSaveFileName(self, "Export program", suggested,
                                              "Program (*.json)")
        if path:
            self.export_to(path, overwrite=True)
