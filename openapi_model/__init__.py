"""What both the mock and the gate read from a contract, and nothing else: the document (YAML or
JSON, cross-file ``$ref``s bundled, 3.1 converted), its operations and paths, the resources it
implies (links, REST paths), and values generated from its schemas. Knows no API and no server."""
