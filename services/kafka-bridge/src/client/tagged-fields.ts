import { Reader } from '@platformatic/kafka';

/**
 * @platformatic/kafka 1.22 skips a response's tagged fields wrongly: it reads their count as a
 * signed varint and skips that many bytes, where the protocol has a count, then for each field
 * a tag, a size and that many bytes. Brokers since 3.7 send tagged fields in some answers
 * (KIP-951: the current leader in a produce or fetch answer that says "not the leader", as
 * after a broker restart or a new topic), and the misread answer failed the send ("Out of
 * bounds"). This reads them as the protocol lays them out. The bridge loads it with the client.
 */
export function readTaggedFieldsAsTheProtocolSays(reader: Reader): void {
  const count = reader.readUnsignedVarInt();
  for (let i = 0; i < count; i++) {
    reader.readUnsignedVarInt(); // tag
    reader.skip(reader.readUnsignedVarInt());
  }
}

Reader.prototype.readTaggedFields = function (this: Reader) {
  readTaggedFieldsAsTheProtocolSays(this);
};
