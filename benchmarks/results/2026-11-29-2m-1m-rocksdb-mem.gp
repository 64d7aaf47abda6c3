set terminal pngcairo size 1400,480 font ',10'
set output '2026-11-29-2m-1m-rocksdb-mem.png'
set multiplot layout 1,3 title "20261129-173752-2m-1m-rocksdb-mem: M=2,000,000 sends, S=1,000,000 subjects, P=2, exactly-once, 2 cores, load avg 3.5 at start"
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set title 'Backlog throughput (sends/s, higher is better)'
plot '2026-11-29-2m-1m-rocksdb-mem.dat' using 2:xtic(1) notitle lc rgb '#4477aa'
set title 'CPU per send (µs, lower is better)'
plot '2026-11-29-2m-1m-rocksdb-mem.dat' using 6:xtic(1) notitle lc rgb '#228833'
set title 'Latency send to visible (read-committed), paced at ? sends/s (ms, log)'
set logscale y
set yrange [1:*]
set key top left
plot '2026-11-29-2m-1m-rocksdb-mem.dat' using 3:xtic(1) title 'p50' lc rgb '#66ccee', '' using 4 title 'p99' lc rgb '#ee6677', '' using 5 title 'p99.9' lc rgb '#aa3377'
unset multiplot
