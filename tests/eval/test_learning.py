"""The learning curve: each model's accuracy on reviewed articles, against corrections."""

from __future__ import annotations

from newsdesk.eval.learning import learning_curve


def test_each_model_has_a_line_from_its_first_review() -> None:
    reviews = [("zero", False), ("zero", True), ("zero", False), ("zero", True),
               ("v1", True), ("zero", False), ("v1", True), ("v1", False)]  # fmt: skip
    curve = learning_curve(reviews, points=100)  # a point at every review
    assert curve.total == 8 and curve.step == 1
    zero, v1 = curve.models
    assert zero.model == "zero" and v1.model == "v1"
    assert [p.corrections for p in zero.points] == [1, 2, 3, 4, 6]  # only where it was reviewed
    assert [round(p.accuracy, 3) for p in zero.points] == [0.0, 0.5, 0.333, 0.5, 0.4]
    assert v1.first_review == 5
    assert [(p.reviewed, p.right) for p in v1.points] == [(1, 1), (2, 2), (3, 2)]


def test_points_are_thinned_to_the_step_and_the_last_review_kept() -> None:
    reviews = [("m", i % 3 != 0) for i in range(1, 1001)]
    curve = learning_curve(reviews, points=40)
    (line,) = curve.models
    assert curve.step == 25 and len(line.points) == 40
    assert line.last.corrections == 1000 and line.last.reviewed == 1000
    assert line.last.right == sum(right for _, right in reviews)
    # a model reviewed only inside one step gets the point at that step's end
    mixed = learning_curve([("a", True)] * 10 + [("b", False)] + [("a", True)] * 9, points=4)
    assert [p.corrections for p in mixed.models[1].points] == [15]


def test_no_reviews_no_lines() -> None:
    curve = learning_curve([])
    assert curve.total == 0 and curve.models == ()
