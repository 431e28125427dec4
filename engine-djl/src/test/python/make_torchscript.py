#!/usr/bin/python3
"""Builds the TorchScript fixtures of engine-djl from ModelKit's reference graphs.

Needs Debian's python3-torch (1.13): apt-get install -y python3-torch. Run from the repository root:

  mvn -q -pl engine-djl -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/test-classpath.txt
  java -cp "engine-djl/target/test-classes:$(cat engine-djl/target/test-classpath.txt)" dev.deduce.engine.djl.ExportModelKit target/modelkit.json
  /usr/bin/python3 engine-djl/src/test/python/make_torchscript.py target/modelkit.json \
      engine-djl/src/test/resources/torchscript

Each graph (inputs, nodes with their weights, outputs) becomes a module that applies the nodes in order, traced on a
batch of 3 and saved with torch.jit.save. TorchScriptContractTest checks every file against the Java oracle.
"""
import json
import sys

import torch

DTYPES = {"FLOAT32": torch.float32, "FLOAT64": torch.float64, "INT32": torch.int32, "INT64": torch.int64,
          "UINT8": torch.uint8, "BOOL": torch.bool}


class Graph(torch.nn.Module):
    def __init__(self, graph):
        super().__init__()
        self.graph = graph
        self.dense = torch.nn.ModuleDict()
        for node in graph["nodes"]:
            if node["op"] == "DENSE":
                units = node["units"]
                fan_in = len(node["weights"]) // units
                layer = torch.nn.Linear(fan_in, units)
                with torch.no_grad():
                    # the graph holds W as [in, units] row-major; torch.nn.Linear holds [units, in]
                    layer.weight.copy_(torch.tensor(node["weights"], dtype=torch.float32).reshape(fan_in, units).t())
                    layer.bias.copy_(torch.tensor(node["bias"], dtype=torch.float32))
                self.dense[node["output"]] = layer

    def forward(self, *inputs):
        values = {spec["name"]: x for spec, x in zip(self.graph["inputs"], inputs)}
        for node in self.graph["nodes"]:
            x = values[node["inputs"][0]]
            op = node["op"]
            if op == "IDENTITY":
                y = x.clone()
            elif op == "ADD":
                y = x + values[node["inputs"][1]]
            elif op == "MUL":
                y = x * values[node["inputs"][1]]
            elif op == "DENSE":
                y = self.dense[node["output"]](x)
            elif op == "RELU":
                y = torch.relu(x)
            elif op == "SOFTMAX":
                y = torch.softmax(x, -1)
            elif op == "ARGMAX":
                y = torch.argmax(x, -1)
            else:
                raise ValueError("no TorchScript translation for " + op)
            values[node["output"]] = y
        outs = tuple(values[name] for name in self.graph["outputs"])
        return outs[0] if len(outs) == 1 else outs


def example(spec):
    # a batch of 3 rows; -1 marks the batch dimension, the others are fixed
    shape = [3 if d == -1 else d for d in spec["shape"]]
    dtype = DTYPES[spec["dtype"]]
    if dtype == torch.bool:
        return torch.rand(*shape) > 0.5
    return (torch.rand(*shape) * 10).to(dtype)


def main(source, folder):
    with open(source) as f:
        graphs = json.load(f)
    for graph in graphs:
        module = Graph(graph).eval()
        inputs = tuple(example(s) for s in graph["inputs"])
        with torch.no_grad():
            traced = torch.jit.trace(module, inputs)
        path = f"{folder}/{graph['name']}.pt"
        torch.jit.save(traced, path)
        print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
