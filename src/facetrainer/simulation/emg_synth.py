"""Surface EMG of the virtual patient, generated from the same activations as the face.

Per channel (``muscle/side``): band-limited Gaussian noise (20–450 Hz, clipped below
Nyquist) amplitude-modulated by the muscle's activation (its synkinetic co-activation
included, since that is part of the activation) on top of a resting tone, then crosstalk
from anatomically neighbouring muscles of the same side, sensor noise, mains interference
(50 or 60 Hz with a slowly wandering amplitude) and, optionally, electrode pops (a step
that decays over ~150 ms).

Samples are generated strictly in order, but the random numbers (and the activations) come
in one-second blocks seeded from ``(seed, block)`` and the filters carry their state, so any chunking gives the
very same signal: the live source and ``facetrainer simulate`` produce identical EMG.
"""

from __future__ import annotations

import numpy as np

from facetrainer.simulation.patient import MUSCLE_MIX, VirtualPatient

DEFAULT_MONTAGE: tuple[str, ...] = tuple(f"{m}/{s}" for m in MUSCLE_MIX for s in ("left", "right"))
"""Six muscles × both sides (12 channels), ``muscle/side`` as in docs/dev/ARCHITECTURE.md."""

NEIGHBOURS: tuple[tuple[str, str], ...] = (
    ("frontalis", "orbicularis_oculi"),
    ("orbicularis_oculi", "zygomaticus_major"),
    ("orbicularis_oculi", "levator_labii_superioris"),
    ("zygomaticus_major", "levator_labii_superioris"),
    ("zygomaticus_major", "orbicularis_oris"),
    ("zygomaticus_major", "depressor_anguli_oris"),
    ("levator_labii_superioris", "orbicularis_oris"),
    ("orbicularis_oris", "depressor_anguli_oris"),
)
CROSSTALK = 0.12  # fraction of a neighbouring muscle's signal picked up by an electrode pair
MAX_RMS_UV = 120.0  # RMS of a fully activated muscle
REST_RMS_UV = 2.5  # resting tone of a relaxed muscle
SENSOR_NOISE_UV = 1.0  # electrode/amplifier noise RMS
MAINS_UV = 6.0  # mains amplitude
POP_RATE_PER_S = 0.03  # electrode pops per channel per second (when enabled)
POP_TAU_S = 0.15
BAND_HZ = (20.0, 450.0)


class EmgSynthesizer:
    """Generates the virtual patient's EMG sample by sample position.

    Parameters
    ----------
    patient : VirtualPatient
    channels : sequence of str
        ``muscle/side`` names (default :data:`DEFAULT_MONTAGE`).
    fs_hz : float
        Sampling rate (≥ 100 Hz).
    mains_hz : float
        50 or 60 (0 for none).
    pops : bool
        Add electrode-pop artifacts.
    seed : int
    start_sample : int
        Index of the first sample :meth:`generate` returns (time = index / fs).
    """

    def __init__(
        self,
        patient: VirtualPatient,
        channels: tuple[str, ...] | None = None,
        fs_hz: float = 1000.0,
        mains_hz: float = 50.0,
        pops: bool = False,
        seed: int = 0,
        start_sample: int = 0,
    ) -> None:
        if not (np.isfinite(fs_hz) and fs_hz >= 100.0):
            raise ValueError(f"fs_hz must be >= 100 Hz, got {fs_hz!r}")
        if mains_hz not in (0, 0.0, 50, 50.0, 60, 60.0):
            raise ValueError(f"mains_hz must be 50, 60 or 0, got {mains_hz!r}")
        self.patient = patient
        self.channels = tuple(channels or DEFAULT_MONTAGE)
        for ch in self.channels:
            muscle, _, side = ch.partition("/")
            if muscle not in MUSCLE_MIX or side not in ("left", "right"):
                raise ValueError(
                    f"channel {ch!r} is not muscle/side with a simulated muscle "
                    f"({', '.join(MUSCLE_MIX)}) and side left/right"
                )
        self.fs_hz = float(fs_hz)
        self.mains_hz = float(mains_hz)
        self.pops = pops
        self.seed = seed
        self.position = int(start_sample)
        n = len(self.channels)
        hi = min(BAND_HZ[1], 0.45 * self.fs_hz)
        # Imported here, on the EMG source's thread, so that scipy.signal (0.5-3 s to import
        # on a busy machine) does not delay the demo's window and first face.
        from scipy import signal

        self._sos = signal.butter(
            4, [BAND_HZ[0], hi], btype="bandpass", fs=self.fs_hz, output="sos"
        )
        impulse = np.zeros(int(self.fs_hz * 2))
        impulse[0] = 1.0
        self._gain = 1.0 / float(np.sqrt(np.sum(signal.sosfilt(self._sos, impulse) ** 2)))
        self._zi = np.zeros((self._sos.shape[0], n, 2))
        self._mix = np.eye(n)
        for i, a in enumerate(self.channels):
            for j, b in enumerate(self.channels):
                (ma, _, sa), (mb, _, sb) = a.partition("/"), b.partition("/")
                if sa == sb and ((ma, mb) in NEIGHBOURS or (mb, ma) in NEIGHBOURS):
                    self._mix[i, j] = CROSSTALK
        rng = np.random.default_rng([seed, 11])
        self._mains_phase = rng.uniform(0, 2 * np.pi, n)
        self._mains_gain = rng.uniform(0.5, 1.5, n)
        self._rest_tone = np.full(n, REST_RMS_UV)
        if patient.profile.synkinesis:  # raised resting tone on the synkinetic side
            for i, ch in enumerate(self.channels):
                if ch.endswith("/" + patient.profile.affected_side):
                    self._rest_tone[i] *= 2.0
        self._block_len = int(round(self.fs_hz))
        self._block_index: tuple[int, int] = (-1, 0)
        self._cached: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._pop_state = np.zeros(n)

    def _block(self, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Block ``b`` (one second): noise (n_ch, 2, L), amplitude (n_ch, L) and pop onsets.

        The activations change slowly, so they are evaluated once per block: a live source
        asking for 50 ms chunks then only slices (about 20× less Python work per chunk).
        """
        # A cued timeline (simulation.cued_performer) grows while streaming: its revision
        # invalidates activations cached for the block under way.
        key = (b, int(getattr(self.patient.timeline, "revision", 0)))
        if key != self._block_index:
            n_ch, L = len(self.channels), self._block_len
            rng = np.random.default_rng([self.seed, 23, b])
            noise = rng.standard_normal((n_ch, 2, L))
            t = (b * L + np.arange(L)) / self.fs_hz
            acts = self.patient.muscles(t)
            amp = self._rest_tone[:, None] + MAX_RMS_UV * np.stack(
                [acts[ch] for ch in self.channels]
            )
            pops = np.zeros((n_ch, L))
            if self.pops:
                prng = np.random.default_rng([self.seed, 31, b])
                k = prng.poisson(POP_RATE_PER_S * n_ch * L / self.fs_hz)
                ch = prng.integers(n_ch, size=k)
                at = prng.integers(L, size=k)
                amp_pop = prng.choice([-1.0, 1.0], size=k) * prng.uniform(300.0, 1500.0, size=k)
                np.add.at(pops, (ch, at), amp_pop)
            self._cached = (noise, amp, pops)
            self._block_index = key
        assert self._cached is not None
        return self._cached

    def generate(self, n: int) -> np.ndarray:
        """The next ``n`` samples, (n_channels, n) in µV."""
        n = int(n)
        n_ch = len(self.channels)
        if n <= 0:
            return np.zeros((n_ch, 0))
        first = self.position
        noise = np.empty((n_ch, 2, n))
        amp = np.empty((n_ch, n))
        steps = np.empty((n_ch, n))
        pos = 0
        while pos < n:
            b, off = divmod(first + pos, self._block_len)
            take = min(n - pos, self._block_len - off)
            bn, ba, bp = self._block(b)
            noise[:, :, pos : pos + take] = bn[:, :, off : off + take]
            amp[:, pos : pos + take] = ba[:, off : off + take]
            steps[:, pos : pos + take] = bp[:, off : off + take]
            pos += take
        from scipy import signal  # loaded by __init__: a dictionary look-up here

        band, self._zi = signal.sosfilt(self._sos, noise[:, 0], axis=-1, zi=self._zi)
        band *= self._gain
        out = self._mix @ (band * amp) + SENSOR_NOISE_UV * noise[:, 1]
        if self.mains_hz:
            t = (first + np.arange(n)) / self.fs_hz
            wander = 1.0 + 0.2 * np.sin(2 * np.pi * 0.1 * t)
            out += (
                MAINS_UV
                * self._mains_gain[:, None]
                * wander
                * np.sin(2 * np.pi * self.mains_hz * t + self._mains_phase[:, None])
            )
        if self.pops:
            decay = np.exp(-1.0 / (POP_TAU_S * self.fs_hz))
            zi = self._pop_state[:, None]  # lfilter's carried state (decay × last output)
            pop, zf = signal.lfilter([1.0], [1.0, -decay], steps, axis=-1, zi=zi)
            self._pop_state = zf[:, 0]
            out += pop
        self.position += n
        return out
