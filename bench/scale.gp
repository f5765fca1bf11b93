# bench/scale.png: issue 29. Left: poller's CPU (% of one core, 5 s steps) and RSS over
# bench/scale.py's run. Right: CPU µs per check, poller beside blackbox_exporter (+ Prometheus),
# from bench/blackbox.py.
#   gnuplot -e "scaledat='bench/.work/scale/scale.dat'; blackboxdat='bench/.work/blackbox/blackbox.dat'; outfile='bench/scale.png'" bench/scale.gp
set terminal pngcairo size 1200,480 font "DejaVu Sans,11"
set output outfile
set multiplot layout 1,2
set grid ytics lc rgb "#dddddd"
set title "100,000 URLs on 10,000 HTTPS origins, -Z --spread --interval 60s"
set xlabel "seconds since start"
set ylabel "CPU, % of one core"
set y2label "RSS, MB"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key top right
plot scaledat using 1:2 with lines lw 1.5 lc rgb "#4c72b0" title "CPU", \
     '' using 1:3 axes x1y2 with lines lw 1.5 lc rgb "#dd8452" title "RSS"
unset y2label
unset y2tics
unset xlabel
set ytics mirror
set title "CPU per check, 10,000 HTTPS URLs on 1,000 origins every 60 s"
set ylabel "µs per check (log scale)"
set logscale y
set yrange [10:*]
set style fill solid 0.85 border -1
set boxwidth 0.6
set key off
plot blackboxdat using 0:2:xtic(1) with boxes lc rgb "#4c72b0", \
     '' using 0:2:(sprintf("%.0f", $2)) with labels offset 0,0.8 font ",10"
unset multiplot
