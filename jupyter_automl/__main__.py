"""``python -m jupyter_automl``: the same command line as ``jupyter-automl``."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
