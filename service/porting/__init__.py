"""Moving comments in and out: WordPress WXR, Disqus XML and Isso imports; JSON and WXR
exports. Readers (`wxr`, `disqus`, `isso`) turn a file into `records.Event`s, streaming;
`store.import_events` writes them in one transaction, idempotently, without notifying.
"""
