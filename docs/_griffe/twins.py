"""A griffe extension for the API reference: a resource method written as
``get = op(get_contact)`` in the table both twins inherit (see ``_sdkcore.twins``) is
rendered on each twin as the method it is there, with the builder's parameters (``self`` for
the context), its docstring, its return type (a pager, items or a handle for the right twin)
and, on the async twin, the ``async`` label. Both SDKs' packages are visited."""

from __future__ import annotations

from typing import Any

import griffe

#: descriptor → return annotation of the sync and the async method ({} is the result type)
_FACTORIES = {
    "op": ("{}", "{}"),
    "program": ("{}", "{}"),
    "pager": ("SyncPager[{}]", "AsyncPager[{}]"),
    "items": ("SyncItems[{}]", "AsyncItems[{}]"),
    "handle": ("{1}", "{2}"),
}
#: descriptors whose method is plain ``def`` on the async twin too
_PLAIN = {"pager", "items", "handle"}
#: the bases of twin classes
_TWIN_BASES = {"SyncResource", "AsyncResource", "SyncTwin", "AsyncTwin"}


def _builder(cls: griffe.Class, value: Any) -> tuple[str, griffe.Function] | None:
    if not isinstance(value, griffe.ExprCall) or len(value.arguments) not in (1, 3):
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
        if pkg.name in ("ghlsdk", "ninoxsdk"):
            self._visit(pkg)

    def _visit(self, module: griffe.Module) -> None:
        for member in list(module.members.values()):
            if isinstance(member, griffe.Module):
                self._visit(member)
            elif isinstance(member, griffe.Class):
                self._convert(member)

    def _convert(self, cls: griffe.Class) -> None:
        bases = [str(b).split("[")[0] for b in cls.bases]
        if not _TWIN_BASES & set(bases):
            return
        is_async = bool({"AsyncResource", "AsyncTwin"} & set(bases))
        tables = [cls.module.members.get(b) for b in bases]
        for table in [t for t in tables if isinstance(t, griffe.Class)] + [cls]:
            for name, member in list(table.members.items()):
                if name not in cls.members or table is cls:
                    self._method(cls, name, member, is_async)

    def _method(self, cls: griffe.Class, name: str, member: Any, is_async: bool) -> None:
        if not isinstance(member, griffe.Attribute):
            return
        found = _builder(cls, member.value)
        if found is None:
            return
        factory, builder = found
        returns = builder.returns
        inner = returns.slice if isinstance(returns, griffe.ExprSubscript) else returns
        classes = [str(a) for a in member.value.arguments[1:]] or ["", ""]
        method = griffe.Function(
            name,
            lineno=member.lineno,
            endlineno=member.endlineno,
            parameters=griffe.Parameters(
                griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword),
                *list(builder.parameters)[1:],
            ),
            returns=_FACTORIES[factory][is_async].format(inner, *classes)
            if factory in _PLAIN
            else inner,
            docstring=builder.docstring,
        )
        if is_async and factory not in _PLAIN:
            method.labels.add("async")
        cls.set_member(name, method)
