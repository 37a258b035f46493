"""The local AWS twin (twin/README.md): moto_server behind a fidelity proxy, and stand-ins for
the credential sources a CI job reads. Start it with `python3 twin/twin.py` or `python3 -m twin`."""
