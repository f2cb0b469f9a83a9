"""`label`: add, remove or toggle labels; only the missing ones are added, only present ones
removed. `toggle` labels are added while the rule matches and removed once it stops."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, ClassVar

from gidgethub import BadRequest
from pydantic import Field, field_validator, model_validator

from app.actions.base import ActionInput, Change, Plan, PullTarget, Status
from app.actions.options import ActionOptions
from app.actions.writes import labels_adder

# GitHub refuses (422) a label name that is empty or longer than 50 characters.
LabelNames = list[Annotated[str, Field(min_length=1, max_length=50)]]


class LabelOptions(ActionOptions):
    add: LabelNames = []
    remove: LabelNames = []
    toggle: LabelNames = []

    @field_validator("add", "remove", "toggle")
    @classmethod
    def _not_blank(cls, names: list[str]) -> list[str]:
        if any(not name.strip() for name in names):
            raise ValueError("a label name cannot be blank")
        return names

    @model_validator(mode="after")
    def _not_empty(self) -> LabelOptions:
        if not (self.add or self.remove or self.toggle):
            raise ValueError("name at least one label in add, remove or toggle")
        both = _folded(self.add + self.toggle) & _folded(self.remove)
        if both:
            raise ValueError(f"labels both added and removed: {', '.join(sorted(both))}")
        return self


class LabelAction:
    name: ClassVar[str] = "label"
    options: ClassVar[type[ActionOptions]] = LabelOptions
    plans_when_unmatched: ClassVar[bool] = True

    def attributes(self, options: ActionOptions) -> set[str]:
        return set()

    async def plan(self, given: ActionInput) -> Plan:
        assert isinstance(given.options, LabelOptions)
        options = given.options
        if not given.matched and not options.toggle:
            return Plan(status=Status.SKIPPED, detail="waits for the conditions")
        pull = await given.target.snapshot.pull()
        present = _folded(label["name"] for label in pull.get("labels") or ())
        if given.matched:
            wanted, unwanted = options.add + options.toggle, options.remove
        else:
            wanted, unwanted = [], options.toggle
        to_add = _unique(name for name in wanted if name.casefold() not in present)
        to_remove = _unique(name for name in unwanted if name.casefold() in present)
        changes = []
        if to_add:
            changes.append(Change(f"add {_listed(to_add)}", labels_adder(given.target, to_add)))
        changes += [Change(f"remove `{n}`", _remover(given.target, n)) for n in to_remove]
        return Plan(tuple(changes), detail=_state(wanted, unwanted))


def _remover(target: PullTarget, name: str) -> Callable[[], Awaitable[None]]:
    async def remove() -> None:
        try:
            await target.api.delete(
                "/repos/{+repository}/issues/{number}/labels/{name}",
                url_vars={
                    "repository": target.repository,
                    "number": str(target.number),
                    "name": name,
                },
            )
        except BadRequest as error:
            # Someone removed it between our read and this write: the goal is reached.
            if error.status_code != 404:
                raise

    return remove


def _folded(names: Iterable[str]) -> set[str]:
    return {name.casefold() for name in names}


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


def _listed(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _state(wanted: list[str], unwanted: list[str]) -> str:
    parts = []
    if wanted:
        parts.append(f"labelled {_listed(_unique(wanted))}")
    if unwanted:
        parts.append(f"not labelled {_listed(_unique(unwanted))}")
    return "; ".join(parts) or "nothing to do"
