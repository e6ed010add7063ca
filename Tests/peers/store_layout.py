"""mss-server's on-disk layout as its tests read it from outside: a key's document is its own
file (`buckets/B/objects/HH/HASH.json`) when there is one, else its latest entry in the bucket's
document packs (`buckets/B/packs/NNNNNNNNNN.pack`, Sources/MSSStoreFormat/DocumentPackEntry.swift):
a 16-byte header (magic "MSPK", payload length, kind 1 document / 2 removed, three zero bytes,
CRC-32C of header and payload), the key's SHA-256 in hex, then the document."""
import hashlib
import json
import os
import shutil
import struct

MAGIC = 0x4B50534D
HEADER = 16
HASH = 64


def key_hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def metadata_path(data_dir, bucket, key):
    digest = key_hash(key)
    return os.path.join(data_dir, "buckets", bucket, "objects", digest[:2], f"{digest}.json")


def _crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def encode_entry(kind, digest, document=b""):
    payload = digest.encode() + document
    entry = struct.pack("<IIB3xI", MAGIC, len(payload), kind, 0) + payload
    return entry[:12] + struct.pack("<I", _crc32c(entry)) + entry[16:]


def pack_paths(data_dir, bucket):
    folder = os.path.join(data_dir, "buckets", bucket, "packs")
    if not os.path.isdir(folder):
        return []
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder)) if name.endswith(".pack")]


def pack_entries(data_dir, bucket):
    """Every whole entry of the bucket's packs in order: (path, offset, size, kind, hash, document)."""
    found = []
    for path in pack_paths(data_dir, bucket):
        with open(path, "rb") as handle:
            data = handle.read()
        offset = 0
        while offset + HEADER <= len(data):
            magic, size, kind = struct.unpack_from("<IIB", data, offset)
            end = offset + HEADER + size
            whole = data[offset:end]
            if magic == MAGIC and HASH <= size and end <= len(data) and \
                    _crc32c(whole[:12] + bytes(4) + whole[16:]) == struct.unpack_from("<I", whole, 12)[0]:
                found.append((path, offset, len(whole), kind, whole[HEADER:HEADER + HASH].decode(), whole[HEADER + HASH:]))
                offset = end
            else:
                offset += 1
    return found


def latest_entry(data_dir, bucket, key):
    """The key's latest pack entry, (path, offset, size, kind, hash, document), or None."""
    digest = key_hash(key)
    entries = [entry for entry in pack_entries(data_dir, bucket) if entry[4] == digest]
    return entries[-1] if entries else None


def document(data_dir, bucket, key):
    """The key's document as the server would find it without its index, or None."""
    path = metadata_path(data_dir, bucket, key)
    if os.path.exists(path):
        with open(path, "rb") as handle:
            return json.loads(handle.read())
    entry = latest_entry(data_dir, bucket, key)
    return json.loads(entry[5]) if entry and entry[3] == 1 else None


def unpack_bucket(data_dir, bucket):
    """Turns a bucket into the layout of servers from before document packs: each key whose latest
    entry is a document gets it as its own file, the packs go, and the bucket's record loses the
    packs and takes the format its other contents need."""
    latest = {}
    for _, _, _, kind, digest, document in pack_entries(data_dir, bucket):
        latest[digest] = document if kind == 1 else None
    for digest, document in latest.items():
        path = os.path.join(data_dir, "buckets", bucket, "objects", digest[:2], f"{digest}.json")
        if document is not None and not os.path.exists(path):
            with open(path, "wb") as handle:
                handle.write(document)
    shutil.rmtree(os.path.join(data_dir, "buckets", bucket, "packs"))
    record_path = os.path.join(data_dir, "buckets", bucket, "bucket.json")
    with open(record_path) as handle:
        record = json.load(handle)
    record.pop("documentPacks", None)
    owned = isinstance(record.get("acl"), dict) and "owner" in record["acl"]
    if any(record.get(name) is not None for name in ("tags", "cors", "lifecycle")):
        record["formatVersion"] = 3
    else:
        record["formatVersion"] = 2 if record.get("versioning") is not None or owned else 1
    with open(record_path, "w") as handle:
        json.dump(record, handle)
