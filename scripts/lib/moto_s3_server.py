"""Serve only moto's S3 backend on HOST:PORT.

`moto_server` picks a backend per request from the Authorization header; a SigV2 header whose
signature happens to hold four '/' is then mistaken for a SigV4 credential scope and the request
fails with a 500. Serving the S3 app directly removes that guess.
"""
import sys

from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.serving import run_simple

host, port = sys.argv[1], int(sys.argv[2])
run_simple(host, port, create_backend_app("s3"), threaded=True, use_reloader=False)
