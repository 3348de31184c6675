"""Lifecycle shared by the native handles: ``close()``, context manager, and ``__del__``."""


class Managed:
    """Subclasses implement an idempotent :meth:`close`."""

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass
