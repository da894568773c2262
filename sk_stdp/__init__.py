"""sk_stdp: spike-timing-dependent plasticity as a scikit-learn transformer."""

from ._transformer import STDPTransformer

__all__ = ["STDPTransformer"]
__version__ = "0.1.0"
