// The readers of mss-server's own records, which a start reads back untrusted after a crash or
// damage: document pack entries and write-ahead log records. A pack is walked as the server
// walks it (an entry at each offset whose header is sound, else on to the next byte), so the
// header's sizes meet every offset of the input.
//
// Input: a mode byte (bit 0: a log record, header and payload; else a run of pack entries), then
// the bytes.
// Properties: an entry read back encodes to exactly its bytes; a log record read back encodes to
// a record that reads back the same, with the same header fields.
import MSSStoreFormat

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 != 0 {
        guard bytes.count >= WriteLogRecord.headerSize else { return 0 }
        let header = Array(bytes.prefix(WriteLogRecord.headerSize))
        let payload = Array(bytes.dropFirst(WriteLogRecord.headerSize))
        if let (parsed, record) = WriteLogRecord.decode(header: header, payload: payload) {
            precondition(parsed.payloadSize == payload.count && record.payloadSize == payload.count, "payload size")
            for operation in record.operations { precondition(WriteLogRecord.isStorePath(operation.path), "path \(operation.path)") }
            let again = record.encoded(generation: parsed.generation, sequence: parsed.sequence)
            let reread = WriteLogRecord.decode(header: Array(again.prefix(WriteLogRecord.headerSize)), payload: Array(again.dropFirst(WriteLogRecord.headerSize)))
            precondition(reread?.1 == record && reread?.0.generation == parsed.generation && reread?.0.sequence == parsed.sequence, "log record round trip")
        }
        return 0
    }
    var offset = 0
    while offset < bytes.count {
        if let payload = DocumentPackEntry.payloadSize(header: bytes[offset...].prefix(DocumentPackEntry.headerSize)),
            bytes.count - offset - DocumentPackEntry.headerSize >= payload
        {
            let whole = Array(bytes[offset..<(offset + DocumentPackEntry.headerSize + payload)])
            if let entry = DocumentPackEntry.decode(whole) {
                precondition(entry.encoded() == whole, "entry round trip")
                precondition(entry.size == whole.count && DocumentPackEntry.isKeyHash(entry.hash.utf8), "entry fields")
                offset += whole.count
                continue
            }
        }
        offset += 1
    }
    return 0
}
