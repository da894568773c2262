"""scikit-learn's estimator checks, each one its own test, with no expected failures."""

import warnings

import pytest
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_stdp import ConvSTDPTransformer, STDPTransformer


@parametrize_with_checks([
    STDPTransformer(),
    STDPTransformer(n_neurons=16, stream=True),
    ConvSTDPTransformer(image_shape=(1, -1), kernel_size=(1, 2), n_filters=4, pooling=2),
])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


#: Checks that check_estimator does not run by itself (see the user guide, scikit-learn
#: compatibility).
EXTRA_CHECKS = [
    "check_transformer_get_feature_names_out",
    "check_transformer_get_feature_names_out_pandas",
    "check_set_output_transform",
    "check_set_output_transform_pandas",
    "check_global_output_transform_pandas",
    "check_param_validation",
    "check_dataframe_column_names_consistency",
]


#: Rows of 1 x n_features "images": the checks' data has every width.
_CONV = dict(image_shape=(1, -1), kernel_size=(1, 2), n_filters=4, pooling=2)


@pytest.mark.parametrize("make", [STDPTransformer, lambda: ConvSTDPTransformer(**_CONV)],
                         ids=["STDPTransformer", "ConvSTDPTransformer"])
@pytest.mark.parametrize("check_name", EXTRA_CHECKS)
def test_extra_sklearn_checks(check_name, make):
    pytest.importorskip("pandas")
    check = getattr(estimator_checks, check_name)
    with warnings.catch_warnings():
        # check_dataframe_column_names_consistency provokes these on purpose.
        warnings.filterwarnings("ignore", message=".*feature names", category=UserWarning)
        check(type(make()).__name__, make())


def test_pandas_output_has_neuron_names():
    pd = pytest.importorskip("pandas")
    import numpy as np

    X = pd.DataFrame(np.random.default_rng(0).random((10, 4)), columns=list("abcd"))
    est = STDPTransformer(n_neurons=3, max_iter=1, random_state=0).set_output(transform="pandas")
    out = est.fit(X).transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["stdptransformer0", "stdptransformer1", "stdptransformer2"]
    assert list(out.index) == list(X.index)
    assert list(est.feature_names_in_) == list("abcd")


def test_stream_mode_declares_that_row_order_matters():
    """Stream outputs depend on the rows before them: the tags say so, sample mode's do not."""
    from sklearn.utils import get_tags

    assert get_tags(STDPTransformer(stream=True)).non_deterministic
    assert not get_tags(STDPTransformer()).non_deterministic
    with pytest.raises(AssertionError, match="sample order"):
        estimator_checks.check_methods_sample_order_invariance(
            "STDPTransformer", STDPTransformer(n_neurons=16, stream=True, threshold=0.5)
        )
