/** safetensors: memory-mapped reader, streaming writer, sharded Hugging Face checkpoints, dtype codecs. */
package dev.wisca.io;
