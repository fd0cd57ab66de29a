import numpy as np
import pytest

import lmx.core as mx


def check(a_np, idx):
    a = mx.array(a_np)
    np.testing.assert_array_equal(np.array(a[idx]), a_np[idx])


def test_basic_indexing_matches_numpy():
    x = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    for idx in [0, -1, (1, 2), (slice(None), 1), (Ellipsis, 2), (None, 0), (slice(None, None, -1),),
                (slice(1, None, 2), slice(None, None, -2), 3), (0, None, slice(1, 3), None),
                (Ellipsis, None), (slice(-2, None),)]:
        check(x, idx)


def test_advanced_indexing_matches_numpy():
    x = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    check(x, np.array([1, 0]))
    check(x, (slice(None), [0, 2], 1))
    check(x, ([0, 1], slice(None), [1, 2]))
    check(x, (slice(None), np.array([[0, 1], [2, 2]])))
    check(x, (0, [2, 1, 0]))
    check(np.arange(10), [1, 3, 5])


def test_index_errors():
    a = mx.zeros((2, 3))
    with pytest.raises(IndexError, match="out of bounds"):
        a[5]
    with pytest.raises(IndexError, match="Too many indices"):
        a[0, 0, 0]


def test_setitem():
    a = mx.zeros((3, 4))
    a[1] = 1.0
    a[:, 2] = mx.array([5.0, 6.0, 7.0])
    a[0, 0] = 9
    expected = np.zeros((3, 4), dtype=np.float32)
    expected[1] = 1.0
    expected[:, 2] = [5, 6, 7]
    expected[0, 0] = 9
    np.testing.assert_array_equal(np.array(a), expected)
    b = mx.zeros((5,))
    b[mx.array([0, 3])] = 2.0
    assert b.tolist() == [2, 0, 0, 2, 0]


def test_at_updates():
    a = mx.zeros((4,))
    r = a.at[mx.array([0, 0, 2])].add(1.0)
    assert r.tolist() == [2, 0, 1, 0]
    assert a.tolist() == [0, 0, 0, 0]  # out of place
    m = mx.ones((2, 3)).at[1].multiply(3.0)
    assert m.tolist() == [[1, 1, 1], [3, 3, 3]]
    assert mx.array([1.0, 5.0]).at[mx.array([1])].maximum(7.0).tolist() == [1, 7]


def test_index_type_errors_are_value_errors():
    a = mx.arange(4)
    with pytest.raises(ValueError, match="indices must be integers"):
        a[1.0]
    with pytest.raises(ValueError, match="Boolean masks"):
        a[mx.array([True, False, True, False])]
    with pytest.raises(ValueError, match="Cannot index an array with str"):
        a["x"]


def test_empty_list_is_float32():
    assert mx.array([]).dtype == mx.float32
    assert mx.array([[], []]).shape == (2, 0)
