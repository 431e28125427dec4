package dev.deduce.server;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time per request by thread group over one measurement iteration, so a loopback figure shows what the server
 * itself costs per request apart from the load generator that shares its cores. Threads that end within the
 * iteration are not counted; the rest ("JVM": GC, JIT) is process CPU minus every live Java thread.
 */
final class CpuSplit {

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private Map<Long, Long> startByThread = new HashMap<>();
  private long startProcess;

  void start() {
    startByThread = cpuByThread();
    startProcess = os.getProcessCpuTime();
  }

  /** One line: CPU microseconds per request by group, and their sum. */
  String stop(long requests) {
    long process = os.getProcessCpuTime() - startProcess;
    Map<String, Long> byGroup = new TreeMap<>();
    long java = 0;
    for (var e : cpuByThread().entrySet()) {
      var info = threads.getThreadInfo(e.getKey());
      if (info == null) {
        continue;
      }
      long used = e.getValue() - startByThread.getOrDefault(e.getKey(), 0L);
      java += used;
      byGroup.merge(group(info.getThreadName()), used, Long::sum);
    }
    byGroup.put("JVM (GC, JIT)", Math.max(0, process - java));
    StringBuilder s = new StringBuilder(String.format("cpu per request (us), %,d requests:", requests));
    byGroup.forEach((g, ns) -> s.append(String.format(" %s %.1f;", g, ns / 1e3 / Math.max(1, requests))));
    return s.append(String.format(" total %.1f", process / 1e3 / Math.max(1, requests))).toString();
  }

  private Map<Long, Long> cpuByThread() {
    Map<Long, Long> m = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      long ns = threads.getThreadCpuTime(id);
      if (ns >= 0) {
        m.put(id, ns);
      }
    }
    return m;
  }

  static String group(String name) {
    if (name.contains("jmh-worker")) {
      return "callers";
    }
    if (name.startsWith(ServerThroughputBenchmark.CLIENT_LOOP)) {
      return "gRPC client event loops";
    }
    if (name.startsWith("HttpClient")) {
      return "HTTP client";
    }
    if (name.startsWith("grpc-")) {
      return "gRPC server event loops";
    }
    if (name.startsWith("deduce-grpc-")) {
      return "gRPC server executor";
    }
    if (name.startsWith("deduce-rest-") || name.startsWith("HTTP-Dispatcher")) {
      return "REST server";
    }
    if (name.startsWith("deduce-")) {
      return "runtime";
    }
    return "other";
  }
}
