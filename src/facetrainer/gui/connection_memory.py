"""Connection settings remembered per device, and the serial ports the user typed (QSettings).

Keys: ``connect_emg/last`` (the settings used last), ``connect_emg/device/<device key>``
(``brainflow:cyton_board``, ``serial:/dev/ttyUSB0``; JSON of
:meth:`facetrainer.emg.connection.ConnectionSettings.to_dict`) and
``connect_emg/typed_ports`` (JSON list).
"""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings

from facetrainer.emg.board_catalog import serial_ports
from facetrainer.emg.connection import ConnectionSettings

SETTINGS_GROUP = "connect_emg"


class ConnectionMemory:
    def __init__(self, store: QSettings) -> None:
        self.store = store

    def _settings(self, key: str) -> ConnectionSettings | None:
        raw = self.store.value(f"{SETTINGS_GROUP}/{key}", "")
        try:
            return ConnectionSettings.from_dict(json.loads(str(raw))) if raw else None
        except (json.JSONDecodeError, TypeError, ValueError):
            return None  # an unreadable entry is as good as none: the defaults show

    def last(self) -> ConnectionSettings | None:
        return self._settings("last")

    def for_device(self, device_key: str) -> ConnectionSettings | None:
        return self._settings(f"device/{device_key}")

    def typed_ports(self) -> list[str]:
        raw = self.store.value(f"{SETTINGS_GROUP}/typed_ports", "[]")
        try:
            return [str(p) for p in json.loads(str(raw))]
        except (json.JSONDecodeError, TypeError):
            return []

    def remember(self, s: ConnectionSettings) -> None:
        """Store ``s`` as the last settings and as its device's; keep a typed port."""
        text = json.dumps(s.to_dict())
        self.store.setValue(f"{SETTINGS_GROUP}/last", text)
        self.store.setValue(f"{SETTINGS_GROUP}/device/{s.device_key()}", text)
        port = s.serial.port if s.kind == "serial" else s.params.serial_port
        listed = {p.device for p in serial_ports() if p.listed}
        typed = self.typed_ports()
        if port and port not in listed and port not in typed:
            self.store.setValue(f"{SETTINGS_GROUP}/typed_ports", json.dumps([*typed, port]))
        self.store.sync()
