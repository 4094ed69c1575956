// HMAC-SHA256 and SHA-256 live in NetModel (the TCP transport authenticates nodes with them);
// Nodes re-exports them under the same names, so `import Nodes` still brings them.
@_exported import enum NetModel.HMAC
@_exported import struct NetModel.SHA256
