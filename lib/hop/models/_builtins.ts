// Registers the formats hop ships, so that importing the registry through pack.ts is enough.
import { AvroBlob } from "./avro_blob.ts";
import { Blob, JSONBlob } from "./blob.ts";
import { ExternalMessage, GCNCircular, GCNTextNotice } from "./gcn.ts";
import { registerModel } from "./model.ts";
import { VOEvent, type VOEventFields } from "./voevent.ts";

registerModel(
  "voevent",
  VOEvent.deserialize,
  (content) => VOEvent.fromFields(content as VOEventFields),
);
registerModel("gcntextnotice", GCNTextNotice.load);
registerModel("circular", GCNCircular.deserialize, GCNCircular.fromContent);
registerModel("blob", (value) => new Blob(value));
registerModel("json", (value) => JSONBlob.load(value), (content) => new JSONBlob(content));
registerModel("avro", (value) => AvroBlob.load(value));
registerModel("external", ExternalMessage.load, (content) => {
  const url = (content as { url?: unknown })?.url;
  if (typeof url !== "string") throw new TypeError("external message has no string 'url'");
  return new ExternalMessage(url);
});
