"""Screenshots of the interop parts of the Connect dialog for the README (docs/images/):
the Cyton facial-EMG preset and an LSL stream found on this machine.

Run: QT_QPA_PLATFORM=offscreen PYTHONPATH=src python scripts/interop_screenshots.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"


def main() -> None:
    from facetrainer.emg.source import EmgSource, EmgStreamInfo
    from facetrainer.gui.connect_dialog import ConnectEmgDialog
    from facetrainer.lsl.outlet import LslPublisher

    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp())
    store = QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)

    d = ConnectEmgDialog(store)
    i = next(k for k in range(d.board.count()) if "(CYTON_BOARD," in d.board.itemText(k))
    d.board.setCurrentIndex(i)
    d.preset.setCurrentIndex(d.preset.findData("facial-emg"))
    d.show()
    app.processEvents()
    d.grab().save(str(OUT / "connect_dialog_cyton_preset.png"))

    class Noise(EmgSource):
        def _open(self) -> EmgStreamInfo:
            return EmgStreamInfo(1000.0, tuple(f"ch{k}" for k in range(1, 9)))

        def _read_chunk(self) -> np.ndarray:
            return np.random.default_rng().normal(0, 10, (8, 10))

    publisher = LslPublisher(source_id="screenshot")
    src = Noise("OpenBCI-like")
    publisher.attach_emg(src)
    src.start()
    time.sleep(0.5)
    d.tabs.setCurrentIndex(d.tabs.count() - 1)
    d.lsl_picker.refresh()
    d.lsl_picker.set_stream("FaceTrainer EMG raw (OpenBCI-like)")
    app.processEvents()
    d.grab().save(str(OUT / "connect_dialog_lsl.png"))
    src.stop()
    publisher.close()




def sources_menu() -> None:
    """The Sources menu with the LSL actions (the window on a still image)."""
    import argparse

    from facetrainer.capture.sample_faces import astronaut_portrait
    from facetrainer.capture.video_sources import ImageSource
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.pipeline import Pipeline

    app = QApplication.instance() or QApplication([])
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait(), fps=10))
    win = MainWindow(pipeline, argparse.Namespace())
    win.show()
    menu = win.menu("Sources")
    scope = next(a.menu() for a in menu.actions() if a.text().startswith("Lab Streaming"))
    menu.popup(win.mapToGlobal(win.rect().topLeft()))
    app.processEvents()
    menu.grab().save(str(OUT / "sources_menu_lsl.png"))
    scope.popup(win.mapToGlobal(win.rect().center()))
    app.processEvents()
    scope.grab().save(str(OUT / "lsl_scope_menu.png"))
    win.close()


if __name__ == "__main__":
    main()
    sources_menu()
