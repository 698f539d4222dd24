// Command block-writer turns one of the benchmark's sample files into a TSDB
// block with Prometheus's own block writer: what `promtool tsdb
// create-blocks-from openmetrics` does, without parsing each series' labels
// again on every one of its samples (the history of 1,000 developers holds
// about 100 million samples a week).
//
// Input, one line each, written by bench/history.ts:
//
//	=<id>\t<label name>\t<label value>...   defines series <id>, numbered from 0 (__name__ among the labels)
//	<id> <Unix milliseconds> <value>          one sample of series <id>
//
// Each series' samples come in time order, as promtool also requires.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

// Samples appended before a commit, as promtool's importer does, so the appender holds few in memory.
const samplesPerCommit = 5000

type series struct {
	labels labels.Labels
	ref    storage.SeriesRef
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: block-writer <sample file> <TSDB folder> <block hours>")
		os.Exit(2)
	}
	hours, err := strconv.Atoi(os.Args[3])
	if err == nil {
		err = writeBlock(os.Args[1], os.Args[2], int64(hours)*3600*1000)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "block-writer:", err)
		os.Exit(1)
	}
}

func writeBlock(input, tsdbDir string, blockMillis int64) (err error) {
	file, err := os.Open(input)
	if err != nil {
		return err
	}
	defer file.Close()
	// As promtool does: the writer takes samples at most half its block size behind
	// the newest, and the samples span the whole block, so it is given twice the block.
	writer, err := tsdb.NewBlockWriter(promslog.NewNopLogger(), tsdbDir, 2*blockMillis)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, writer.Close()) }()

	ctx := context.Background()
	appender := writer.AppenderV2(ctx)
	var all []series
	pending := 0
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; scanner.Scan(); line++ {
		text := scanner.Bytes()
		if len(text) > 0 && text[0] == '=' {
			fields := strings.Split(string(text[1:]), "\t")
			if id, err := strconv.Atoi(fields[0]); err != nil || id != len(all) || len(fields)%2 != 1 {
				return fmt.Errorf("%s:%d: expected series %d and label pairs", input, line, len(all))
			}
			all = append(all, series{labels: labels.FromStrings(fields[1:]...)})
			continue
		}
		id, millis, value, err := parseSample(text)
		if err != nil || id < 0 || id >= len(all) {
			return fmt.Errorf("%s:%d: expected a sample of a defined series: %q", input, line, text)
		}
		one := &all[id]
		if one.ref, err = appender.Append(one.ref, one.labels, 0, millis, value, nil, nil, storage.AOptions{}); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", input, line, one.labels, err)
		}
		if pending++; pending == samplesPerCommit {
			if err := appender.Commit(); err != nil {
				return err
			}
			appender = writer.AppenderV2(ctx)
			pending = 0
		}
	}
	if err := scanner.Err(); err != nil {
		return err
	}
	if err := appender.Commit(); err != nil {
		return err
	}
	_, err = writer.Flush(ctx)
	return err
}

func parseSample(text []byte) (id int, millis int64, value float64, err error) {
	fields := bytes.Fields(text)
	if len(fields) != 3 {
		return 0, 0, 0, errors.New("not three fields")
	}
	if id, err = strconv.Atoi(string(fields[0])); err != nil {
		return
	}
	if millis, err = strconv.ParseInt(string(fields[1]), 10, 64); err != nil {
		return
	}
	value, err = strconv.ParseFloat(string(fields[2]), 64)
	return
}
