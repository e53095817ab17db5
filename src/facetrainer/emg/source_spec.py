"""Turn the command line's ``--emg SPEC`` into an EMG source.

Specs: ``synthetic`` (BrainFlow's synthetic board), ``playback:FILE`` (BrainFlow's
playback board replaying a BrainFlow recording, its master board inferred from the file;
any other recording - CSV, EDF/BDF, OpenBCI GUI text - replayed at its own rate),
``brainflow:BOARD_ID`` (any board,
with the ``--bf-*`` connection options), ``serial:PORT`` (text-protocol serial device,
with the ``--serial-*`` options), ``lsl:NAME_OR_TYPE`` (a Lab Streaming Layer stream on
this machine), ``virtual`` (the virtual patient's EMG).
"""

from __future__ import annotations

import argparse

from facetrainer.emg.brainflow_source import (
    PLAYBACK_BOARD_ID,
    SYNTHETIC_BOARD_ID,
    BrainFlowParams,
    BrainFlowSource,
)
from facetrainer.emg.source import EmgSource, EmgSourceError


def add_emg_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("EMG source")
    g.add_argument("--emg", metavar="SPEC", action="append", default=None,
                   help="synthetic | playback:FILE | brainflow:BOARD_ID | serial:PORT | "
                        "lsl:NAME_OR_TYPE | virtual | none (repeatable)")
    g.add_argument("--bf-serial-port", default="", help="BrainFlow: serial port of the board")
    g.add_argument("--bf-ip-address", default="", help="BrainFlow: IP address")
    g.add_argument("--bf-ip-port", type=int, default=0, help="BrainFlow: IP port")
    g.add_argument("--bf-mac-address", default="", help="BrainFlow: MAC address")
    g.add_argument("--bf-serial-number", default="", help="BrainFlow: serial number")
    g.add_argument("--bf-file", default="", help="BrainFlow: file parameter")
    g.add_argument("--bf-other-info", default="", help="BrainFlow: other_info parameter")
    g.add_argument("--bf-master-board", type=int, default=None,
                   help="BrainFlow: master board id for playback/streaming boards "
                        "(playback default: inferred from the file's sidecar or row count)")
    g.add_argument("--bf-timeout", type=int, default=0, help="BrainFlow: timeout (s)")
    g.add_argument("--bf-preset", default="", metavar="NAME",
                   help="BrainFlow: board set-up sent before streaming, e.g. facial-emg "
                        "(OpenBCI Cyton: bipolar inputs, SRB2 off, bias on, gain 24)")
    g.add_argument("--lsl-timeout", type=float, default=5.0, metavar="SECONDS",
                   help="LSL EMG: how long to look for the stream when starting")
    g.add_argument("--serial-baud", type=int, default=115200, help="serial EMG: baud rate")
    g.add_argument("--serial-fs", type=float, default=1000.0, help="serial EMG: sampling rate (Hz)")
    g.add_argument("--serial-channels", default="",
                   help="serial EMG: comma-separated channel names (default ch1..chN)")
    g.add_argument("--serial-n-channels", type=int, default=None,
                   help="serial EMG: number of channels (default: from names, else 2)")
    g.add_argument("--serial-timestamp", action="store_true",
                   help="serial EMG: each line starts with a timestamp column")
    g.add_argument("--serial-envelope", action="store_true",
                   help="serial EMG: the device sends a hardware envelope (no band-pass)")


def _bf_params(args: argparse.Namespace) -> BrainFlowParams:
    return BrainFlowParams(
        serial_port=args.bf_serial_port, ip_address=args.bf_ip_address,
        ip_port=args.bf_ip_port, mac_address=args.bf_mac_address, file=args.bf_file,
        other_info=args.bf_other_info, serial_number=args.bf_serial_number,
        master_board=args.bf_master_board, timeout=args.bf_timeout,
        preset=getattr(args, "bf_preset", ""),
    )


def _playback_source(value: str, params: BrainFlowParams) -> EmgSource:
    """BrainFlow's playback board for BrainFlow files, else the recording replayer (CSV,
    EDF/BDF, OpenBCI GUI text)."""
    from pathlib import Path

    from facetrainer.emg.recording_io import RecordingError, detect_format

    path = Path(value)
    if not path.is_file():
        raise EmgSourceError(f"--emg playback:FILE: no such file: {value}")
    try:
        kind = detect_format(path)
    except RecordingError as exc:
        raise EmgSourceError(str(exc)) from exc
    if kind == "brainflow":
        params.file = value
        return BrainFlowSource(PLAYBACK_BOARD_ID, params, name=f"playback {value}")
    from facetrainer.emg.recording_playback import RecordingPlaybackSource

    return RecordingPlaybackSource(path)


def emg_source_from_spec(spec: str, args: argparse.Namespace) -> EmgSource:
    """Build (not start) the source a spec names; :class:`EmgSourceError` for a bad spec."""
    kind, _, value = spec.partition(":")
    kind = kind.strip().lower()
    params = _bf_params(args)
    if kind == "synthetic":
        return BrainFlowSource(SYNTHETIC_BOARD_ID, params)
    if kind == "playback":
        if not value:
            raise EmgSourceError("--emg playback:FILE needs a file")
        return _playback_source(value, params)
    if kind == "brainflow":
        try:
            board_id = int(value)
        except ValueError:
            raise EmgSourceError(
                f"--emg brainflow:BOARD_ID needs an integer board id, got {value!r}"
            ) from None
        return BrainFlowSource(board_id, params)
    if kind == "serial":
        if not value:
            raise EmgSourceError("--emg serial:PORT needs a port, e.g. serial:/dev/ttyUSB0")
        from facetrainer.emg.serial_source import SerialEmgSource

        names = tuple(n.strip() for n in args.serial_channels.split(",") if n.strip())
        n_ch = args.serial_n_channels or len(names) or 2
        if names and len(names) != n_ch:
            raise EmgSourceError(
                f"--serial-channels names {len(names)} channels but --serial-n-channels is {n_ch}"
            )
        return SerialEmgSource(
            value, baud=args.serial_baud, fs_hz=args.serial_fs,
            channel_names=names or tuple(f"ch{i + 1}" for i in range(n_ch)),
            has_timestamp=args.serial_timestamp, is_envelope=args.serial_envelope,
        )
    if kind == "lsl":
        from facetrainer.emg.lsl_source import LslEmgSource

        return LslEmgSource(value, resolve_timeout_s=getattr(args, "lsl_timeout", 5.0))
    raise EmgSourceError(
        f"unknown --emg source {spec!r} (use synthetic, playback:FILE, brainflow:ID, "
        "serial:PORT, lsl:NAME_OR_TYPE, virtual or none)"
    )
