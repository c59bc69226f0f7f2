
set terminal pngcairo size 1400,560 font ",10"
set output "/work/main/bench/results/2026-12-05/bench.png"
set datafile separator whitespace
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set xtics rotate by -30
set key top left
set multiplot layout 1,2 title "ssehub-bench: 200 events of 64 bytes, wait-for-all (median of 5)"
set title "publish -> receive latency"
set ylabel "ms (log scale)"
set logscale y
plot "/work/main/bench/results/2026-12-05/bench.dat" using 2:xtic(1) title "p50", "" using 3 title "p90", "" using 4 title "p99", "" using 5 title "p99.9"
unset logscale y
set title "deliveries per second"
set ylabel "deliveries/s"
set yrange [0:*]
set key off
plot "/work/main/bench/results/2026-12-05/bench.dat" using 6:xtic(1) title "deliveries/s" lc rgb "#4477aa"
unset multiplot
