//! Schema-specialised MessagePack codec (work in progress).
