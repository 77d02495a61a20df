"""Neural networks for tables: architectures as data, a PyTorch network, a scikit-learn fallback."""
