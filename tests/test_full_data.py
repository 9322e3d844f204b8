"""The book's numbers on the full MNIST (minutes; run with ``-m slow``)."""

import pytest

from mnistlab.book import book_values, compare_with_book
from mnistlab.chapter import run_chapter

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

# Values that current scikit-learn does not reproduce (see book_values.json).
KNOWN = set(book_values()["known_differences"])


@pytest.mark.parametrize(
    "sections, group",
    [
        (["binary"], "binary"),
        (["multilabel"], "multilabel"),
        (["knn_tuning", "augmentation"], "exercises"),
        (["multiclass", "error_analysis"], "multiclass"),
    ],
)
def test_full_data_reproduces_the_book(mnist, sections, group):
    metrics = run_chapter(mnist, sections=sections).metrics()
    rows = compare_with_book(metrics, group)
    assert rows
    wrong = [
        (row["key"], row["value"], row["book"])
        for row in rows
        if not row["match"] and f"{group}.{row['key']}" not in KNOWN
    ]
    assert wrong == []
