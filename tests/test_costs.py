"""Tests of the conversions from costs to training weights."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from skweighted import cost_class_weight, cost_proportionate_weights


def brute_force_decision(proba, table):
    """The class j minimizing sum_i p_i C[i, j], by a loop."""
    k = len(proba)
    costs = [sum(proba[i] * table[i][j] for i in range(k)) for j in range(k)]
    return int(np.argmin(costs))


def binary_tables(rng, n):
    """Per-example binary cost tables whose right decision is the cheapest."""
    tables = np.empty((n, 2, 2))
    tables[:, 0, 0] = rng.uniform(0, 1, n)
    tables[:, 1, 1] = rng.uniform(0, 1, n)
    tables[:, 0, 1] = tables[:, 0, 0] + rng.uniform(0, 5, n)
    tables[:, 1, 0] = tables[:, 1, 1] + rng.lognormal(1, 1, n)
    return tables


def weight_if_true(tables, i):
    """The weight each example would get if its true class were ``i``."""
    y = np.full(len(tables), i)
    return cost_proportionate_weights(
        y, sample_tables=tables, labels=np.arange(tables.shape[1]), normalize=False
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cost_proportionate_binary_weighted_argmax_is_minimum_cost(seed):
    """Check that argmax_i w_i p_i is the minimum-expected-cost decision (K=2)."""
    rng = np.random.default_rng(seed)
    tables = binary_tables(rng, 200)
    proba = rng.dirichlet([1, 1], size=200)
    w = np.column_stack([weight_if_true(tables, i) for i in range(2)])
    weighted_argmax = np.argmax(w * proba, axis=1)
    expected = [brute_force_decision(p, t) for p, t in zip(proba, tables, strict=True)]
    np.testing.assert_array_equal(weighted_argmax, expected)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_cost_proportionate_accuracy_optimal_on_weighted_data_is_cost_optimal(
    seed, normalize
):
    """Check the theorem on data: weighted-majority per cell = cheapest per cell.

    With a discrete feature, the accuracy-optimal classifier of the weighted
    training data predicts the class of largest total weight in each cell; the
    cost-optimal one predicts the decision of least total cost there.
    """
    rng = np.random.default_rng(seed)
    n, cells = 3000, 40
    cell = rng.integers(0, cells, n)
    y = (rng.uniform(size=n) < rng.uniform(0.05, 0.6, cells)[cell]).astype(int)
    tables = binary_tables(rng, n)
    w = cost_proportionate_weights(y, sample_tables=tables, normalize=normalize)
    for c in range(cells):
        members = cell == c
        weight_of = [w[members & (y == i)].sum() for i in (0, 1)]
        rows = tables[members, y[members]]  # each member's true-class row
        cost_of = rows.sum(axis=0)  # total cost of deciding 0, deciding 1
        assert np.argmax(weight_of) == np.argmin(cost_of)


def test_cost_proportionate_weights_equal_duplicated_data():
    """Check that integer weights train like the duplicated examples."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)
    tables = np.zeros((60, 2, 2))
    tables[:, 0, 1] = 1.0
    tables[:, 1, 0] = rng.integers(1, 5, 60)
    w = cost_proportionate_weights(y, sample_tables=tables, normalize=False)
    np.testing.assert_array_equal(w, np.where(y == 1, tables[:, 1, 0], 1.0))
    repeats = w.astype(int)
    weighted = LogisticRegression().fit(X, y, sample_weight=w)
    duplicated = LogisticRegression().fit(
        np.repeat(X, repeats, axis=0), np.repeat(y, repeats)
    )
    np.testing.assert_allclose(weighted.coef_, duplicated.coef_, rtol=1e-4)
    np.testing.assert_allclose(weighted.intercept_, duplicated.intercept_, rtol=1e-4)


def test_cost_proportionate_normalized_to_mean_one():
    """Check that normalized weights are the raw ones divided by their mean."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 100)
    tables = binary_tables(rng, 100)
    raw = cost_proportionate_weights(y, sample_tables=tables, normalize=False)
    normalized = cost_proportionate_weights(y, sample_tables=tables)
    assert normalized.mean() == pytest.approx(1.0)
    np.testing.assert_allclose(normalized, raw / raw.mean())


def test_cost_proportionate_raw_costs_keep_correct_examples():
    """Check that a free right answer still weighs: the excess of the wrong one."""
    # Bank-marketing shaped costs: a call costs 1 whether or not it pays.
    y = np.array([0, 1, 1])
    tables = np.array([[[0, 1], [3, 1]], [[0, 1], [3, 1]], [[0, 1], [1, 1]]], float)
    w = cost_proportionate_weights(y, sample_tables=tables, normalize=False)
    np.testing.assert_array_equal(w, [1.0, 2.0, 0.0])  # the last: no difference


@pytest.mark.parametrize("seed", [0, 1])
def test_cost_proportionate_multiclass_exact_when_cost_depends_on_truth(seed):
    """Check exactness for K > 2 when each example's wrong decisions cost alike."""
    rng = np.random.default_rng(seed)
    n, k = 150, 4
    cost = rng.lognormal(0, 1, size=(n, k))  # cost of any mistake on class i
    tables = np.repeat(cost[:, :, None], k, axis=2)
    tables[:, np.arange(k), np.arange(k)] = 0.0
    proba = rng.dirichlet(np.ones(k), size=n)
    w = np.column_stack([weight_if_true(tables, i) for i in range(k)])
    np.testing.assert_allclose(w, cost)
    expected = [brute_force_decision(p, t) for p, t in zip(proba, tables, strict=True)]
    np.testing.assert_array_equal(np.argmax(w * proba, axis=1), expected)


def test_cost_proportionate_multiclass_mean_excess():
    """Check the K > 2 rule: mean excess cost of the wrong classes (numpy)."""
    C = np.array([[0.0, 2.0, 4.0], [1.0, 0.5, 3.5], [6.0, 6.0, 1.0]])
    y = np.array([0, 1, 2, 2])
    w = cost_proportionate_weights(y, cost_matrix=C, normalize=False)
    reference = [(2 + 4) / 2, (0.5 + 3.0) / 2, 5.0, 5.0]
    np.testing.assert_allclose(w, reference)


def test_cost_proportionate_forms_agree():
    """Check that array, dict, DataFrame, (n, K) rows and string labels agree."""
    labels = np.array(["no", "yes"])
    C = np.array([[0.0, 1.0], [7.0, 0.0]])
    y = np.array(["yes", "no", "no", "yes"])
    expected = cost_proportionate_weights(y, cost_matrix=C)
    df = pd.DataFrame(C, index=labels, columns=labels).loc[["yes", "no"]]
    rows = C[[1, 0, 0, 1]]
    for kwargs in (
        {"cost_matrix": {("yes", "no"): 7.0}},
        {"cost_matrix": df},
        {"sample_tables": np.tile(C, (4, 1, 1))},
        {"sample_tables": rows},
    ):
        np.testing.assert_allclose(cost_proportionate_weights(y, **kwargs), expected)
    np.testing.assert_allclose(expected, np.array([7.0, 1.0, 1.0, 7.0]) / 4)


def test_cost_proportionate_does_not_modify_inputs():
    """Check that the caller's labels and tables are left as they were."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 20)
    tables = binary_tables(rng, 20)
    saved = y.copy(), tables.copy()
    cost_proportionate_weights(y, sample_tables=tables)
    np.testing.assert_array_equal(saved[0], y)
    np.testing.assert_array_equal(saved[1], tables)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"cost_matrix": [[0, 1], [-1, 0]]}, "negative"),
        ({"cost_matrix": [[2, 1], [1, 0]]}, "costs less than the right one"),
        ({"cost_matrix": [[0, 0], [0, 0]]}, "Every example's weight is 0"),
        (
            {"cost_matrix": [[0, 0], [0, 0]], "normalize": False},
            "Every example's weight is 0",
        ),
        ({"sample_tables": np.ones((3, 2, 2))}, "3 tables for 4 samples"),
        ({"cost_matrix": np.ones((3, 3)) - np.eye(3)}, r"shape \(K, K\) = \(2, 2\)"),
        ({"cost_matrix": {("a", 1): 2.0}}, "not among the classes"),
        ({"cost_matrix": {(2, 0): 3.0}}, "set `labels=` to the full label set"),
    ],
)
def test_cost_proportionate_bad_input(kwargs, match):
    """Check that bad costs are refused with a message saying what to change."""
    with pytest.raises(ValueError, match=match):
        cost_proportionate_weights([0, 1, 0, 1], **kwargs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cost_class_weight_binary_is_cost_proportionate(seed):
    """Check that two-class weights are the excess costs, up to scale."""
    rng = np.random.default_rng(seed)
    C = np.array([[0.0, 0.0], [0.0, 0.0]])
    C[0, 1], C[1, 0] = rng.uniform(0.5, 5, 2)
    weights = cost_class_weight(C, classes=[0, 1])
    per_example = cost_proportionate_weights([0, 1], cost_matrix=C, normalize=False)
    assert weights[1] / weights[0] == pytest.approx(per_example[1] / per_example[0])
    assert np.mean(list(weights.values())) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cost_class_weight_consistent_pairwise_decisions(seed):
    """Check that every two-class decision of a consistent matrix is cost-optimal.

    ``C[i, j] = a_i b_j`` is consistent (Zhou and Liu, 2006); for probabilities
    on two classes, argmax w_i p_i must be the cheapest of the two decisions.
    """
    rng = np.random.default_rng(seed)
    k = 4
    a, b = rng.uniform(0.5, 3, k), rng.uniform(0.5, 3, k)
    C = np.outer(a, b)
    np.fill_diagonal(C, 0.0)
    w = np.array(list(cost_class_weight(C, classes=np.arange(k)).values()))
    for i in range(k):
        for j in range(i + 1, k):
            for q in rng.uniform(size=20):
                p = np.zeros(k)
                p[i], p[j] = q, 1 - q
                pair_costs = [p[i] * C[i, j], p[j] * C[j, i]]  # decide j, decide i
                cheapest = j if pair_costs[0] < pair_costs[1] else i
                assert np.argmax(w * p) == cheapest


def test_cost_class_weight_truth_only_costs_are_exact():
    """Check full K-class exactness when a mistake's cost depends on the truth."""
    rng = np.random.default_rng(0)
    c = np.array([1.0, 2.0, 4.0])
    C = np.repeat(c[:, None], 3, axis=1)
    np.fill_diagonal(C, 0.0)
    w = np.array(list(cost_class_weight(C, classes=["a", "b", "c"]).values()))
    for p in rng.dirichlet(np.ones(3), size=200):
        assert np.argmax(w * p) == brute_force_decision(p, C)


def _worst_pairwise_error(C, w):
    """Brute force: the largest relative miss of w_i / w_j = ex[i, j] / ex[j, i]."""
    excess = C - np.diag(C)[:, None]
    k = len(C)
    return max(
        abs((w[i] / w[j]) / (excess[i, j] / excess[j, i]) - 1)
        for i in range(k)
        for j in range(k)
        if i != j
    )


@pytest.mark.parametrize("big", [1e3, 1e6, 1e9])
def test_cost_class_weight_refuses_inconsistent_costs_at_any_scale(big):
    """Check a matrix that no weights fit is refused whatever its costs' range.

    Pair (0, 1) needs w0 / w1 = 2; pairs with class 2 force w0 = w1 = w2.
    """
    C = np.array([[0, 2, big], [1, 0, big], [big, big, 0]], dtype=float)
    with pytest.raises(ValueError, match="not consistent"):
        cost_class_weight(C, classes=[0, 1, 2])


@pytest.mark.parametrize("span", [1e2, 1e7, 1e12])
def test_cost_class_weight_accepts_consistent_costs_of_any_range(span):
    """Check consistent costs spanning many orders of magnitude give exact weights.

    Oracle: every pairwise ratio, checked by brute force.
    """
    rng = np.random.default_rng(0)
    a = np.array([1 / span, 1.0, span])
    b = rng.uniform(0.5, 3, 3)
    C = np.outer(a, b)
    np.fill_diagonal(C, 0.0)
    w = np.array(list(cost_class_weight(C, classes=[0, 1, 2]).values()))
    assert _worst_pairwise_error(C, w) < 1e-9


def test_cost_class_weight_mean_one_over_examples():
    """Check that with y the weights average 1 over the training examples."""
    C = [[0, 1], [9, 0]]
    y = np.array([0] * 90 + [1] * 10)
    weights = cost_class_weight(C, classes=[0, 1], y=y)
    assert np.mean([weights[label] for label in y]) == pytest.approx(1.0)
    assert weights[1] / weights[0] == pytest.approx(9.0)


@pytest.mark.parametrize(
    "C, match",
    [
        ([[0, 1, 5], [1, 0, 1], [1, 1, 0]], "not consistent"),
        ([[0, 0], [1, 0]], "must cost more"),
    ],
)
def test_cost_class_weight_refuses(C, match):
    """Check that inconsistent or free-mistake matrices are refused."""
    with pytest.raises(ValueError, match=match):
        cost_class_weight(C, classes=np.arange(len(C)))


@pytest.mark.parametrize("seed", [0, 1])
def test_cost_proportionate_relabelled_examples_keep_the_theorem(seed):
    """Check the theorem when some examples' cheapest decision is the wrong class.

    Fraud-like costs: flagging costs a fee, a missed fraud its amount, and some
    frauds are smaller than the fee. Trained on the cheapest decisions with the
    excess-cost weights, the weighted majority of each cell is its cheapest
    decision.
    """
    rng = np.random.default_rng(seed)
    n, cells, fee = 4000, 40, 10.0
    cell = rng.integers(0, cells, n)
    y = (rng.uniform(size=n) < rng.uniform(0.05, 0.6, cells)[cell]).astype(int)
    amount = rng.lognormal(2.5, 1.0, n)  # about a third below the fee
    tables = np.zeros((n, 2, 2))
    tables[:, 0, 1] = tables[:, 1, 1] = fee
    tables[:, 1, 0] = amount
    with pytest.raises(ValueError, match="return_labels=True"):
        cost_proportionate_weights(y, sample_tables=tables)
    y_train, w = cost_proportionate_weights(y, sample_tables=tables, return_labels=True)
    small_fraud = (y == 1) & (amount < fee)
    assert small_fraud.any()
    np.testing.assert_array_equal(y_train, np.where(small_fraud, 0, y))
    raw = np.abs(tables[np.arange(n), y, 1] - tables[np.arange(n), y, 0])
    np.testing.assert_allclose(w, raw / raw.mean())
    for c in range(cells):
        members = cell == c
        weight_of = [w[members & (y_train == i)].sum() for i in (0, 1)]
        cost_of = tables[members, y[members]].sum(axis=0)
        assert np.argmax(weight_of) == np.argmin(cost_of)


def test_repeated_labels_are_refused():
    """Check both helpers refuse a label given twice."""
    C = [[0, 1, 1], [2, 0, 2], [4, 4, 0]]
    with pytest.raises(ValueError, match="must not repeat"):
        cost_class_weight(C, classes=["a", "b", "b"])
    with pytest.raises(ValueError, match="must not repeat"):
        cost_proportionate_weights([0, 1], cost_matrix=C, labels=[0, 1, 1])


def _message(call):
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


def test_label_errors_name_the_parameter_that_sets_the_labels():
    """Check errors about labels name the caller's own parameter.

    The cost functions and metrics take ``labels=``; MinimumCostClassifier's
    classes are those it learned, set by no parameter of ``predict``.
    """
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from skweighted import MinimumCostClassifier
    from skweighted.metrics import misclassification_cost

    for call in (
        lambda: cost_proportionate_weights(["a", "z"], labels=["a", "b"]),
        lambda: cost_proportionate_weights(
            ["a", "b"], sample_tables=np.ones((2, 3, 3))
        ),
        lambda: misclassification_cost(
            [0, 0, 1],
            [0, 1, 1],
            sample_tables=pd.DataFrame(np.ones((3, 3)), columns=[0, 1, 2]),
            labels=[0, 1],
        ),
    ):
        message = _message(call)
        assert "`labels=`" in message and "`classes=`" not in message, message
    clf = MinimumCostClassifier(LogisticRegression()).fit([[0.0], [1.0]], [0, 1])
    message = _message(
        lambda: clf.predict([[0.0], [1.0]], sample_tables=np.ones((2, 3, 3)))
    )
    assert "classes=" not in message and "labels=" not in message, message
