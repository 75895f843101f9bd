"""A griffe extension for the API reference: a resource method written as
``get = sync_method(get_contact)`` (see ``ghlsdk.resources._twins``) is rendered as the
method it is, with the builder's parameters (``self`` for the context) and docstring."""

from __future__ import annotations

from typing import Any

import griffe

_FACTORIES = {
    "sync_method": "{}",
    "async_method": "{}",
    "sync_program": "{}",
    "async_program": "{}",
    "sync_pager": "SyncPager[{}]",
    "async_pager": "AsyncPager[{}]",
}


def _builder(cls: griffe.Class, value: Any) -> tuple[str, griffe.Function] | None:
    if not isinstance(value, griffe.ExprCall) or len(value.arguments) != 1:
        return None
    factory = str(value.function)
    if factory not in _FACTORIES:
        return None
    try:
        target = cls.module[str(value.arguments[0])]
        if isinstance(target, griffe.Alias):
            target = target.final_target
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    return (factory, target) if isinstance(target, griffe.Function) else None


class TwinMethods(griffe.Extension):
    """Turn ``name = sync_method(builder)`` class attributes into documented methods."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name == "ghlsdk":
            self._visit(pkg)

    def _visit(self, module: griffe.Module) -> None:
        for member in list(module.members.values()):
            if isinstance(member, griffe.Module):
                self._visit(member)
            elif isinstance(member, griffe.Class):
                self._convert(member)

    def _convert(self, cls: griffe.Class) -> None:
        for name, member in list(cls.members.items()):
            if not isinstance(member, griffe.Attribute):
                continue
            found = _builder(cls, member.value)
            if found is None:
                continue
            factory, builder = found
            returns = builder.returns
            inner = returns.slice if isinstance(returns, griffe.ExprSubscript) else returns
            params = list(builder.parameters)[1:]
            method = griffe.Function(
                name,
                lineno=member.lineno,
                endlineno=member.endlineno,
                parameters=griffe.Parameters(
                    griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword),
                    *params,
                ),
                returns=_FACTORIES[factory].format(inner) if factory.endswith("pager") else inner,
                docstring=builder.docstring,
            )
            if factory.startswith("async") and not factory.endswith("pager"):
                method.labels.add("async")
            cls.set_member(name, method)
