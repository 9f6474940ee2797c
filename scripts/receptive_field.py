"""Exact receptive fields of U-Nets along one axis, by interval propagation.

Each feature-map position carries the interval (lo, hi) of input positions it depends on; zero
padding adds no dependency. The scripts that build models (train_example_model.py,
make_test_models.py) describe their network's forward pass with these steps and take the halo
from worst_extent():

    x = positions(1024)
    s0 = conv3(x); b = conv3(pool(s0)); out = cat(up(b), s0)
    left, right = worst_extent(out)
"""


def positions(length):
    """The input itself: position i depends on i alone."""
    return [(i, i) for i in range(length)]


def conv3(d):
    """A 3-wide convolution with padding 1: the union of the neighbours' intervals."""
    n = len(d)
    return [(min(d[j][0] for j in range(max(i - 1, 0), min(i + 2, n))),
             max(d[j][1] for j in range(max(i - 1, 0), min(i + 2, n)))) for i in range(n)]


def pool(d):
    """2-wide pooling with stride 2: the union of the two pooled positions."""
    return [(d[2 * i][0], d[2 * i + 1][1]) for i in range(len(d) // 2)]


def up(d):
    """Nearest 2x upsampling: position i takes the interval of i // 2."""
    return [d[i // 2] for i in range(2 * len(d))]


def cat(a, b):
    """Concatenation along channels: the union, position by position."""
    return [(min(p[0], q[0]), max(p[1], q[1])) for p, q in zip(a, b)]


def worst_extent(out):
    """(left, right): the largest reach of any output position far from the borders. The reach
    depends on the position modulo the total downsampling (the pooling phase), hence the maximum
    over the middle half."""
    length = len(out)
    centre = range(length // 4, 3 * length // 4)
    return max(i - out[i][0] for i in centre), max(out[i][1] - i for i in centre)
