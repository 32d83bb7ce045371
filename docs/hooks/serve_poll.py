"""MkDocs hook: under ``mkdocs serve``, notice a saved file after at most 0.1 s instead of 0.5 s.

MkDocs watches the files by polling them (watchdog's PollingObserver, every 0.5 s), so between
saving a page and the start of the rebuild there were 0.25 s on average and up to 0.5 s. The
watched folders hold ~150 files (polling them all takes ~2 ms), so they are polled every 0.1 s.
"""

from __future__ import annotations

import mkdocs.plugins

POLL_SECONDS = 0.1


@mkdocs.plugins.event_priority(100)  # before the other hooks' on_serve add watches
def on_serve(server, config, builder, **kwargs):
    observer = server.observer
    observer._timeout = POLL_SECONDS  # (watchdog has no public setter) for the watches added later
    for emitter in observer.emitters:  # and for those MkDocs already added (docs/, mkdocs.yml)
        emitter._timeout = POLL_SECONDS
    return server
