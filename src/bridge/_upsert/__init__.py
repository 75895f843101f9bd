"""The upsert helpers' programs, one job a module: ``report`` (what an upsert did),
``to_ninox`` (GHL → Ninox, and saving Ninox batches so one bad record never blocks the rest),
``to_ghl`` (Ninox contacts → GHL), ``guard`` (writes a person must decide first). The public
facade is `bridge.upsert`. Every program yields the typed effects of `bridge.sync.effects`
and runs under `bridge.sync.interpret.run` / ``arun``."""
