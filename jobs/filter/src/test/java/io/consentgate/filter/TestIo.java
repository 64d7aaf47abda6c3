package io.consentgate.filter;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/** Bounded in-memory sources and collecting sinks, for pipeline tests without Kafka. */
final class TestIo {
    private TestIo() {}

    private static final Map<String, List<Object>> COLLECTED = new ConcurrentHashMap<>();

    /** A bounded source emitting {@code records} (split among the source's subtasks). */
    static <T> DataGeneratorSource<T> source(List<T> records, TypeInformation<T> type) {
        ArrayList<T> copy = new ArrayList<>(records);
        return new DataGeneratorSource<>(new FromList<>(copy), copy.size(), type);
    }

    private static final class FromList<T> implements GeneratorFunction<Long, T> {
        private final ArrayList<T> records;

        FromList(ArrayList<T> records) {
            this.records = records;
        }

        @Override
        public T map(Long index) {
            return records.get(index.intValue());
        }
    }

    /** A sink collecting into a JVM-wide list named {@code name} (MiniCluster runs in-process). */
    static <T> CollectingSink<T> sink(String name) {
        COLLECTED.put(name, new CopyOnWriteArrayList<>());
        return new CollectingSink<>(name);
    }

    @SuppressWarnings("unchecked")
    static <T> List<T> collected(String name) {
        return (List<T>) (List<?>) COLLECTED.get(name);
    }

    static final class CollectingSink<T> implements Sink<T>, Serializable {
        private final String name;

        CollectingSink(String name) {
            this.name = name;
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            List<Object> target = COLLECTED.get(name);
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context ctx) {
                    target.add(element);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
