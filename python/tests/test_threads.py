"""Python threads evaluating independent graphs at once (eval releases the GIL)."""

import threading

import numpy as np

import lmx.core as mx


def test_threads_evaluate_independent_graphs():
    errors = []

    def work(seed):
        try:
            a = np.random.default_rng(seed).normal(size=(64, 64)).astype(np.float32)
            x = mx.array(a)
            for i in range(50):
                y = mx.sum(mx.exp(x @ x.T * 0.001) + i)
                mx.eval(y)
                ref = np.sum(np.exp(a @ a.T * 0.001) + i)
                if abs(y.item() - ref) > 1e-3 * abs(ref):
                    errors.append((seed, i, y.item(), ref))
                    return
        except Exception as e:  # reported below, not lost in the thread
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
