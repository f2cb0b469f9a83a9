"""The rules a SARIF run's tool describes (`tool.driver.rules` and each extension's), and the
rule a result refers to.

A result names its rule by `ruleIndex` or `rule.index` (an index into the rules of the driver,
or of the extension `rule.toolComponent` names by index, name or guid), or by `ruleId` or
`rule.id`. An id may be hierarchical ("CA5350/md5"): the rule is then "CA5350". An id is looked
for in the named component first, then in every component."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.reports.lint_formats._common import (
    JsonObject,
    as_object,
    get_int,
    get_list,
    get_object,
    get_str,
)


@dataclass
class Component:
    """A toolComponent (the driver or an extension) and its rules."""

    definition: JsonObject
    rules: list[JsonObject]
    by_id: dict[str, JsonObject] = field(default_factory=dict)


@dataclass
class RuleCatalog:
    components: list[Component]  # the driver first, then the extensions in order

    @property
    def driver(self) -> Component:
        return self.components[0]


def catalog(run: JsonObject, where: str) -> RuleCatalog:
    tool = get_object(run, "tool", where)
    driver = _component(get_object(tool, "driver", f"{where}.tool"), f"{where}.tool.driver")
    extensions = [
        _component(as_object(extension, f"{where}.tool.extensions[{i}]"), f"extensions[{i}]")
        for i, extension in enumerate(get_list(tool, "extensions", f"{where}.tool"))
    ]
    return RuleCatalog([driver, *extensions])


def _component(definition: JsonObject, where: str) -> Component:
    rules = [
        as_object(rule, f"{where}.rules[{i}]")
        for i, rule in enumerate(get_list(definition, "rules", where))
    ]
    by_id: dict[str, JsonObject] = {}
    for rule in rules:
        rule_id = rule.get("id")
        if isinstance(rule_id, str):
            by_id.setdefault(rule_id, rule)
    return Component(definition, rules, by_id)


def rule_of(result: JsonObject, rules: RuleCatalog, where: str) -> tuple[Component, JsonObject]:
    """The component that defines the result's rule, and the rule's reportingDescriptor ({}
    when the run does not describe it)."""
    reference = get_object(result, "rule", where)
    component = _named_component(reference, rules, f"{where}.rule")
    index = get_int(result, "ruleIndex", where)
    if index is None or index < 0:
        index = get_int(reference, "index", f"{where}.rule")
    if index is not None and 0 <= index < len(component.rules):
        return component, component.rules[index]
    rule_id = get_str(result, "ruleId", where) or get_str(reference, "id", f"{where}.rule")
    if rule_id:
        for candidate in (component, *rules.components):
            descriptor = _by_id(candidate, rule_id)
            if descriptor is not None:
                return candidate, descriptor
    return component, {}


def _named_component(reference: JsonObject, rules: RuleCatalog, where: str) -> Component:
    named = get_object(reference, "toolComponent", where)
    if not named:
        return rules.driver
    extensions = rules.components[1:]
    index = get_int(named, "index", f"{where}.toolComponent")
    if index is not None and 0 <= index < len(extensions):
        return extensions[index]
    for key in ("guid", "name"):
        wanted = get_str(named, key, f"{where}.toolComponent")
        for component in rules.components:
            if wanted and component.definition.get(key) == wanted:
                return component
    return rules.driver


def _by_id(component: Component, rule_id: str) -> JsonObject | None:
    found = component.by_id.get(rule_id)
    if found is None and "/" in rule_id:
        found = component.by_id.get(rule_id.split("/", 1)[0])
    return found


def rule_name(result: JsonObject, descriptor: JsonObject, where: str) -> str | None:
    """The rule as findings name it: the result's ruleId, else its rule.id, else the id of the
    descriptor it points at by index."""
    reference = get_object(result, "rule", where)
    found = get_str(result, "ruleId", where) or get_str(reference, "id", f"{where}.rule")
    descriptor_id = descriptor.get("id")
    return found or (descriptor_id if isinstance(descriptor_id, str) and descriptor_id else None)


def default_level(descriptor: JsonObject) -> str | None:
    """The rule's defaultConfiguration.level, when it says one."""
    configuration = descriptor.get("defaultConfiguration")
    level = configuration.get("level") if isinstance(configuration, dict) else None
    return level if isinstance(level, str) else None
