"""Repositories: the functions the runtime and the API call to write and read the store.

One module per resource. Writers take a ``Session`` or a ``Connection`` (the batching writer passes
its transaction's connection); readers take a ``Session`` and return ORM rows or small dataclasses,
never decrypted secrets.
"""
