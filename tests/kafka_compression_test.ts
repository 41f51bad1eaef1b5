/**
 * The compression codecs registered with the Kafka client, checked against the reference lz4 and
 * zstd command-line tools: frames they write are read, and lz4 frames written here they read.
 */
import assert from "node:assert/strict";
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import { runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";
import { compressionType, registerCompressionCodecs } from "../lib/kafka/compression.ts";
import {
  lz4Compress,
  lz4Decompress,
  snappyCompress,
  snappyDecompress,
} from "../lib/kafka/_codecs.ts";

function sample(bytes: number): Uint8Array {
  let text = "";
  for (let i = 0; text.length < bytes; i++) text += `${i.toString(36)}:${(i * 7919) % 997} `;
  return new TextEncoder().encode(text.slice(0, bytes));
}

async function tool(
  command: string,
  args: string[],
  input: Uint8Array,
  outputFlag: string[] = [],
): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/in`, input);
    const result = await runProcess(command, [...args, `${dir}/in`, ...outputFlag, `${dir}/out`], {
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 0, result.stderr);
    return await Deno.readFile(`${dir}/out`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const LZ4_FRAMES: [string, string[]][] = [
  ["default settings", []],
  ["64 KiB linked blocks with block checksums", ["-B4", "-BD", "-BX"]],
  ["4 MiB blocks with the content size", ["-B7", "--content-size"]],
  ["no content checksum", ["--no-frame-crc"]],
];

for (const [what, flags] of LZ4_FRAMES) {
  test(`lz4Decompress reads an lz4 tool frame: ${what}`, async () => {
    for (const size of [0, 10, 70_000, 300_000]) {
      const data = sample(size);
      const frame = await tool("lz4", ["-q", "-f", "-z", ...flags], data);
      assert.deepEqual(lz4Decompress(frame), data, `${size} bytes`);
    }
  });
}

test("the lz4 tool reads frames from lz4Compress, also with full 64 KiB blocks", async () => {
  for (const size of [1, 13, 65_536, 65_537, 200_000, 131_072]) {
    const data = sample(size);
    const frame = lz4Compress(data);
    assert.deepEqual(await tool("lz4", ["-q", "-f", "-d"], frame), data, `${size} bytes`);
    assert.deepEqual(lz4Decompress(frame), data);
  }
});

test("snappy: xerial-framed chunks and a raw block both decompress", () => {
  const data = sample(100_000);
  const framed = snappyCompress(data);
  assert.deepEqual([...framed.subarray(0, 8)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0]);
  assert.deepEqual(snappyDecompress(framed), data);
  // A raw block, as librdkafka may send: the payload of the single chunk of a short input.
  const short = sample(1_000);
  const raw = snappyCompress(short).subarray(20);
  assert.deepEqual(snappyDecompress(raw), short);
});

test("the registered zstd codec reads zstd tool frames; gzip, snappy and lz4 round-trip", async () => {
  registerCompressionCodecs();
  const data = sample(250_000);
  const zstd = await tool("zstd", ["-q", "-f", "-3"], data, ["-o"]);
  const zstdCodec = CompressionCodecs[CompressionTypes.ZSTD]();
  assert.deepEqual(new Uint8Array(await zstdCodec.decompress(zstd)), data);
  for (
    const type of [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4] as const
  ) {
    const codec = CompressionCodecs[type]();
    const packed = await codec.compress({ buffer: data });
    assert.ok(packed.length < data.length, `codec ${type} did not compress`);
    assert.deepEqual(new Uint8Array(await codec.decompress(packed)), data, `codec ${type}`);
  }
  await assert.rejects(
    () => zstdCodec.compress({ buffer: data }),
    /zstd compression can be read but not written/,
  );
});

test("compressionType maps names and refuses unknown ones", () => {
  assert.equal(compressionType("none"), CompressionTypes.None);
  assert.equal(compressionType("gzip"), CompressionTypes.GZIP);
  assert.equal(compressionType("snappy"), CompressionTypes.Snappy);
  assert.throws(() => compressionType("brotli" as "gzip"), /unknown compression 'brotli'/);
});
