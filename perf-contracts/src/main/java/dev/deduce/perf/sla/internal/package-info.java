/** Drawing shared by the kit's HTML reports (the SLA report and the tuner's): not API. */
package dev.deduce.perf.sla.internal;
