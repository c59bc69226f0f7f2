
set terminal pngcairo size 1400,520 font ",10"
set output "bench/results/2026-12-05-rss/transports.png"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.8
set grid ytics
set key off
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set bmargin 4
set multiplot layout 1,2 title "ssehub per transport: median of 5 round(s), bars min-max"
set title "hub CPU per delivery (1000 subscribers, 200 events)"
set ylabel "µs of hub CPU per delivery"
plot "bench/results/2026-12-05-rss/transports.dat" index 0 using 2:3:4:xtic(1) lc rgb "#4477aa",      "" index 0 using 0:4:(sprintf("%.2f", $2)) with labels offset 0,0.9
set title "RSS per idle subscriber (3000 subscribers)"
set ylabel "bytes"
plot "bench/results/2026-12-05-rss/transports.dat" index 1 using 2:3:4:xtic(1) lc rgb "#cc6677",      "" index 1 using 0:4:(sprintf("%.0f", $2)) with labels offset 0,0.9
unset multiplot
