import { useLayoutEffect, useState, type RefObject } from "react";

export function useElementSize(element: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const el = element.current;
    if (el === null) return undefined;
    const measure = () => {
      const box = el.getBoundingClientRect();
      setSize((current) =>
        current.width === Math.floor(box.width) && current.height === Math.floor(box.height)
          ? current
          : { width: Math.floor(box.width), height: Math.floor(box.height) },
      );
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [element]);
  return size;
}
