"""Writes the signed seeds of Fuzz/Corpus/FuzzAWSChunked: small aws-chunked bodies signed with the
keys, date and seed signature of the S3 API reference's streaming example (checked first against
its published chunk signatures), so the verifying fuzz mode starts from bodies that decode.

    python3 Fuzz/Tools/make-aws-chunked-seeds.py

Each seed is a mode byte and a split byte (see FuzzAWSChunked.swift), then the body.
"""
import hmac, hashlib, os, sys
secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
date, day = "20130524T000000Z", "20130524"
scope = day + "/us-east-1/s3/aws4_request"
seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
def h(k, m): return hmac.new(k, m.encode(), hashlib.sha256).digest()
key = h(h(h(h(("AWS4" + secret).encode(), day), "us-east-1"), "s3"), "aws4_request")
empty = hashlib.sha256(b"").hexdigest()
def sign(s): return hmac.new(key, s.encode(), hashlib.sha256).hexdigest()
def chunk_sig(data, prev):
    return sign("\n".join(["AWS4-HMAC-SHA256-PAYLOAD", date, scope, prev, empty, hashlib.sha256(data).hexdigest()]))
def trailer_sig(trailers, prev):
    canon = "".join("%s:%s\n" % (k.lower(), v.strip()) for k, v in sorted(trailers.items()))
    return sign("\n".join(["AWS4-HMAC-SHA256-TRAILER", date, scope, prev, hashlib.sha256(canon.encode()).hexdigest()]))
# Check against the published example before trusting the generator.
prev = seed; sigs = []
for n in (65536, 1024, 0):
    prev = chunk_sig(b"a" * n, prev); sigs.append(prev)
assert sigs[0] == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", sigs
assert sigs[2] == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
def signed_body(chunks, trailers=None):
    prev = seed; out = b""
    for c in chunks + [b""]:
        prev = chunk_sig(c, prev)
        out += b"%x;chunk-signature=%s\r\n" % (len(c), prev.encode()) + c + b"\r\n"
    if trailers is not None:
        out = out[:-2]  # the final chunk's CRLF is followed by the trailer section
        for k, v in trailers.items(): out += ("%s:%s\r\n" % (k, v)).encode()
        out += ("x-amz-trailer-signature:%s\r\n\r\n" % trailer_sig(trailers, prev)).encode()
    return out
d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Corpus", "FuzzAWSChunked")
def put(name, mode, split, body):
    open(os.path.join(d, name), "wb").write(bytes([mode, split]) + body)
# mode bit 0: verify with the published keys and seed; bit 1: signed trailer; bit 2: feed [UInt8].
put("signed-one-feed", 1, 0, signed_body([b"hello", b" world"]))
put("signed-split", 5, 7, signed_body([b"hello", b" world", b"x" * 40]))
put("signed-trailer", 3, 3, signed_body([b"hello world"], {"x-amz-checksum-crc32c": "sOO8/Q=="}))
put("signed-trailer-two", 7, 0, signed_body([b"abc"], {"x-amz-checksum-crc32": "NSRBwg==", "x-amz-checksum-sha256": "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="}))
put("signed-empty", 1, 1, signed_body([]))
put("unsigned-trailers", 0, 3, b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n")
put("unsigned-plain", 4, 0, b"1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n")
put("unsigned-upper-hex", 0, 9, b"A\r\n0123456789\r\n0\r\n\r\n")
put("bad-size", 0, 0, b"zz\r\nhello\r\n")
put("too-long", 0, 2, b"5\r\nhello-too-long\r\n")
put("bad-ext", 0, 0, b"5;unknown=x\r\nhello\r\n")
put("huge-size", 0, 0, b"FFFFFFFFFFFFFFFFFF\r\nhello\r\n")
put("over-limit", 0, 0, b"8000000\r\nhello\r\n")
put("truncated", 0, 1, b"5\r\nhel")
put("trailer-twice", 0, 0, b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-checksum-crc32:BBBBBB==\r\n\r\n")
put("signature-on-unsigned", 0, 0, b"0\r\nx-amz-trailer-signature:00\r\n\r\n")
put("data-after-end", 0, 0, b"0\r\n\r\n5\r\nhello\r\n")
