"""A model's life after training: loading it, serving it, activating, rolling back, retraining.

One room for what the CLI, the service and the review desk do with models: the CLI's
``retrain`` and ``models`` commands, the service's start-up and model swaps, and the desk's
buttons all call these modules.

- ``loading``: a classifier from a spec (saved folder, or taxonomy + encoder), its version.
- ``slot``: the swappable served model (:class:`ModelSlot`, :class:`ServedModel`).
- ``active``: first-start registration, activation, roll-back, following the registry.
- ``retrain``: training a candidate from reviewed articles and comparing it.
- ``jobs``: retrains and comparisons in the background; ``watcher``: the periodic check.
- ``runtime``: the three of a serving process together (:class:`ModelLifecycle`).
"""
