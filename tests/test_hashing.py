import numba as nb
import numpy as np

from dataprep.hashing import fmix64, mix


@nb.njit
def _fmix_all(values):
    out = np.empty_like(values)
    for i in range(len(values)):
        out[i] = fmix64(values[i])
    return out


@nb.njit
def _mix2(a, b):
    return mix(mix(np.uint64(0), a), b)


def test_fmix64_is_a_bijection_that_spreads_bits():
    values = np.arange(100_000, dtype=np.uint64)
    mixed = _fmix_all(values)
    assert len(np.unique(mixed)) == len(values)  # no collisions on consecutive inputs
    assert _fmix_all(np.zeros(1, np.uint64))[0] == 0  # MurmurHash3's finalizer fixes 0
    flips = np.unpackbits((mixed[:-1] ^ mixed[1:]).view(np.uint8)).mean()
    assert 0.45 < flips < 0.55  # about half the bits change between neighbours


def test_mix_depends_on_order():
    assert _mix2(np.uint64(1), np.uint64(2)) != _mix2(np.uint64(2), np.uint64(1))
