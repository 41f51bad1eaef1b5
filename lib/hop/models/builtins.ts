// Registers the formats hop ships, so that importing the registry through pack.ts is enough.
import { Blob, JSONBlob } from "./blob.ts";
import { registerModel } from "./model.ts";

registerModel("blob", (value) => new Blob(value));
registerModel("json", (value) => JSONBlob.load(value), (content) => new JSONBlob(content));
