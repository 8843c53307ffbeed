"""State in one column, changed in one place.

A model that follows a workflow keeps its state in the column `state`, stored by value,
and an integer `version` that SQLAlchemy checks on every UPDATE (optimistic locking: a
concurrent change makes the second writer fail instead of overwriting). Assigning `.state`
raises; only `app.lifecycle.firing.apply` writes it, through `_write_state`. Each model says
whose records it belongs to (`anonymised`): once that resident is anonymised, no person moves it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from workflows.definition import Workflow


class StateWriteError(AttributeError):
    pass


class WorkflowSubject:
    workflow: ClassVar[Workflow]
    object_type: ClassVar[str]

    _state: Mapped[str] = mapped_column("state", String(30), index=True)
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - SQLAlchemy directive
        return {"version_id_col": cls.version}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._state = self.workflow.initial

    @hybrid_property
    def state(self) -> str:
        return self._state

    @state.inplace.setter
    def _state_setter(self, value: str) -> None:
        raise StateWriteError(
            f"{type(self).__name__}.state changes only through a workflow transition"
        )

    @state.inplace.expression
    @classmethod
    def _state_expression(cls) -> Any:
        return cls._state

    def _write_state(self, value: str) -> None:
        self._state = value

    @property
    def anonymised(self) -> bool:
        """Whether the resident this belongs to has been anonymised: their path has ended,
        and only the system still moves it (to end it)."""
        raise NotImplementedError
