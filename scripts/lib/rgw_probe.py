"""Checks that Ceph RGW still serves signed requests end to end: makes a bucket, writes, reads and
deletes an object, deletes the bucket. Each request must answer within a few seconds and none is
retried, so a gateway that accepts connections but no longer reaches its OSD (it hangs instead of
failing) is found at once rather than by every test that follows timing out.

Usage: rgw_probe.py ENDPOINT ACCESS_KEY SECRET_KEY; exits 0 when the gateway works, 1 with the
reason on standard error when it does not.
"""
import sys
import uuid

import boto3
from botocore.config import Config


def main():
    endpoint, access_key, secret_key = sys.argv[1:4]
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1},
                      connect_timeout=5, read_timeout=20))
    bucket = f"rgw-probe-{uuid.uuid4().hex[:16]}"
    body = uuid.uuid4().bytes
    try:
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="probe", Body=body)
        read = s3.get_object(Bucket=bucket, Key="probe")["Body"].read()
        s3.delete_object(Bucket=bucket, Key="probe")
        s3.delete_bucket(Bucket=bucket)
    except Exception as error:  # any failure, timeouts included, means the gateway is unusable
        print(f"Ceph RGW at {endpoint} does not serve requests: {error}", file=sys.stderr)
        return 1
    if read != body:
        print(f"Ceph RGW at {endpoint} read back other bytes than it was given", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
