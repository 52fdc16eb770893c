"""CUDA backend."""



def is_available() -> bool:
    """Whether a CUDA GPU can run ember ops."""
