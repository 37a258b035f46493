"""Corrections applied to moto 5.2.1 in-process, where the proxy alone cannot
keep AWS's behaviour because moto throws the data away.

- S3 PutObject in a versioning-suspended bucket: moto keeps only the new
  object and drops every earlier version of the key. AWS (User Guide,
  "Working with objects in a versioning-suspended bucket": "Adding objects
  to versioning-suspended buckets") stores the new object as version null,
  replacing only an existing null version; other versions stay.
"""

from __future__ import annotations

import functools

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.s3.models import S3Backend

    original = S3Backend.put_object

    @functools.wraps(original)
    def put_object(self, bucket_name, key_name, *args, **kwargs):
        bucket = self.get_bucket(bucket_name)
        if getattr(bucket, "versioning_status", None) != "Suspended":
            return original(self, bucket_name, key_name, *args, **kwargs)
        existing = bucket.keys.getlist(key_name, [])
        kept = [k for k in existing if str(k.version_id) != "null"]
        if kept:
            # Hide the versions to keep from moto (its setlist disposes of every key it drops),
            # let it replace the null version, then put them back before the new current one.
            dict.__setitem__(bucket.keys, key_name, [k for k in existing if k not in kept])
        new_key = original(self, bucket_name, key_name, *args, **kwargs)
        if kept:
            dict.__setitem__(bucket.keys, key_name, kept + bucket.keys.getlist(key_name, []))
        return new_key

    S3Backend.put_object = put_object
    _applied = True
